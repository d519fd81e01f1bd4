"""UI language: English source strings, Korean translations, following the system locale.

Every user-visible string in desktop_rag/ui goes through ``tr("English text")``; a test checks
that each has a Korean translation in ``KOREAN``.
"""

from __future__ import annotations

from ..core.types import source_place

# Glossary, so every screen says the same thing: passage (chunk) = 구절, chunk size = 구절 크기,
# index = 색인, embedding = 임베딩, language model = 언어 모델, collection = 모음, folder = 폴더.
KOREAN: dict[str, str] = {
    # -- shared ------------------------------------------------------------------------------------
    "OK": "확인",
    "Cancel": "취소",
    "Close": "닫기",
    "Open": "열기",
    "Refresh": "새로 고침",
    "Name": "이름",
    "Size": "크기",
    "Settings": "설정",
    "Documents": "문서",
    "Import…": "가져오기…",
    "GGUF models (*.gguf);;All files (*)": "GGUF 모델 (*.gguf);;모든 파일 (*)",
    "This file cannot be used: {error}": "이 파일은 사용할 수 없습니다: {error}",
    "The settings could not be saved: {error}": "설정을 저장할 수 없습니다: {error}",
    "The folder could not be opened: {folder}": "폴더를 열 수 없습니다: {folder}",
    # -- models_dialog/ ----------------------------------------------------------------------------
    "models folder": "모델 폴더",
    "built-in test model": "내장 테스트 모델",
    "added folder": "추가한 폴더",
    "Hugging Face cache": "Hugging Face 캐시",
    "Import a language model": "언어 모델 가져오기",
    "Choose a folder of models": "모델이 있는 폴더 선택",
    "No language model yet": "아직 언어 모델이 없습니다",
    "To answer questions in its own words, desktop-rag needs a language model: a single file ending in "
    ".gguf that runs on this computer. Searching your documents works without one.": (
        "desktop-rag가 질문에 직접 문장으로 답하려면 언어 모델이 필요합니다. 언어 모델은 이 컴퓨터에서 "
        "실행되는, 이름이 .gguf로 끝나는 파일 하나입니다. 문서 검색은 언어 모델 없이도 할 수 있습니다."
    ),
    "Small models of 1 to 8 GB work well, for example Gemma, Llama, Qwen or Mistral in Q4_K_M quality. "
    "You can get one from LM Studio or Hugging Face, on another computer if you like, and bring the file "
    "over on a USB stick.": (
        "1~8GB 정도의 작은 모델이면 충분합니다. 예를 들어 Q4_K_M 품질의 Gemma, Llama, Qwen, Mistral "
        "모델을 쓸 수 있습니다. LM Studio나 Hugging Face에서 받을 수 있고, 다른 컴퓨터에서 받아 USB "
        "메모리로 옮겨 와도 됩니다."
    ),
    "desktop-rag never downloads anything itself. Put the file in the models folder, import it, or choose "
    "a folder that already holds models. Files are used where they are, not copied.": (
        "desktop-rag는 스스로 아무것도 내려받지 않습니다. 파일을 모델 폴더에 넣거나, 가져오거나, 이미 "
        "모델이 있는 폴더를 선택하세요. 파일은 복사하지 않고 있는 자리에서 그대로 사용합니다."
    ),
    "Open models folder": "모델 폴더 열기",
    "Use a folder of models…": "모델이 있는 폴더 사용…",
    "Models folder: {folder}": "모델 폴더: {folder}",
    "Language models": "언어 모델",
    "Language models (GGUF files) found on this computer. The default one answers your questions. "
    "Nothing is downloaded.": (
        "이 컴퓨터에서 찾은 언어 모델(GGUF 파일)입니다. 질문에는 기본 모델이 답합니다. 아무것도 내려받지 않습니다."
    ),
    "Looking for models…": "모델을 찾는 중…",
    "Looking for models failed: {error}": "모델을 찾는 중 문제가 생겼습니다: {error}",
    "Use this model": "이 모델 사용",
    "Choose a .gguf file. It is not copied: its folder is added to the folders searched for models.": (
        ".gguf 파일을 선택하세요. 파일은 복사하지 않고, 그 파일이 있는 폴더를 모델을 찾는 폴더에 추가합니다."
    ),
    "Add folder…": "폴더 추가…",
    "Also list the models in a folder you choose.": "선택한 폴더에 있는 모델도 목록에 보여 줍니다.",
    "Parameters": "매개변수",
    "Quantization": "양자화",
    "Context": "컨텍스트",
    "Source": "찾은 위치",
    "(default)": "(기본)",
    "No language model was found on this computer.": "이 컴퓨터에서 언어 모델을 찾지 못했습니다.",
    "The chosen model {model} was not found; choose another one.": (
        "선택한 모델 {model}을(를) 찾을 수 없습니다. 다른 모델을 선택하세요."
    ),
    "Models found: {count}": "찾은 모델: {count}개",
    "{name} now answers your questions.": "이제 {name} 모델이 질문에 답합니다.",
    "{name} is already in the list.": "{name}은(는) 이미 목록에 있습니다.",
    "{name} is already in the models folder.": "{name}은(는) 이미 모델 폴더에 있습니다.",
    "Added the folder {folder}. The model stays where it is: nothing was copied.": (
        "{folder} 폴더를 추가했습니다. 모델 파일은 원래 자리에 그대로 있으며, 복사하지 않았습니다."
    ),
    "The folder {folder} is already searched for models.": "{folder} 폴더는 이미 모델을 찾는 폴더입니다.",
    "Models in {folder} will be listed from now on.": "이제부터 {folder} 폴더의 모델도 목록에 보입니다.",
    "No .gguf file was found in {folder}. Models copied there later are found too.": (
        "{folder} 폴더에서 .gguf 파일을 찾지 못했습니다. 나중에 이 폴더에 복사한 모델도 찾아냅니다."
    ),
    # -- settings_dialog/ --------------------------------------------------------------------------
    "Answers": "답변",
    "Language model:": "언어 모델:",
    "Browse…": "찾아보기…",
    "Automatic (the first model found)": "자동 (처음 찾은 모델)",
    "Automatic ({name})": "자동 ({name})",
    "{model} (not found)": "{model} (찾을 수 없음)",
    "Choose a language model": "언어 모델 선택",
    "GPU layers:": "GPU 레이어:",
    "Auto": "자동",
    "CPU only": "CPU만 사용",
    "How many layers of the model run on the graphics card. Auto puts all of them there when one can be "
    "used; CPU only uses the processor alone.": (
        "모델의 레이어 중 몇 개를 그래픽 카드에서 실행할지 정합니다. '자동'은 그래픽 카드를 쓸 수 있으면 "
        "모든 레이어를 올리고, 'CPU만 사용'은 프로세서만 씁니다."
    ),
    "Context size:": "컨텍스트 크기:",
    " tokens": " 토큰",
    "How much text the model reads at once: the question, the passages and the answer. Larger needs more "
    "memory; it is capped by what the model was trained for.": (
        "모델이 한 번에 읽는 글의 양입니다(질문, 구절, 답변을 모두 포함). 클수록 메모리를 더 쓰며, 모델이 "
        "학습한 길이보다 길게 할 수는 없습니다."
    ),
    "Temperature:": "온도:",
    "0 gives the same, most likely answer every time; higher values give more varied wording.": (
        "0이면 매번 가장 그럴듯한 같은 답을 내고, 값이 클수록 표현이 다양해집니다."
    ),
    "Passages per question:": "질문당 참고 구절 수:",
    "How many passages from your documents the model reads for each question.": (
        "질문마다 모델이 읽는 문서 구절의 수입니다."
    ),
    "Chunk size:": "구절 크기:",
    "Documents are cut into passages of about this many tokens (words or parts of words). Smaller "
    "passages point to sources more precisely; larger ones keep more context together.": (
        "문서를 이 정도 토큰(단어나 단어의 일부) 길이의 구절로 나눕니다. 작게 하면 출처를 더 정확히 "
        "가리키고, 크게 하면 문맥을 더 많이 담습니다."
    ),
    "Overlap:": "겹침:",
    "Text repeated at the start of the next passage, so no sentence is cut off from its context.": (
        "다음 구절 앞부분에 다시 넣는 글의 양입니다. 문장이 앞뒤 문맥과 끊기지 않게 합니다."
    ),
    "Changing chunk size re-indexes every folder.": "구절 크기를 바꾸면 모든 폴더를 다시 색인합니다.",
    "Embedding model:": "임베딩 모델:",
    "Built-in multilingual (Korean, English and more)": "내장 다국어 모델 (한국어, 영어 등)",
    "Built-in English": "내장 영어 모델",
    "Choose folder…": "폴더 선택…",
    "A sentence-transformers model folder on this computer.": "이 컴퓨터에 있는 sentence-transformers 모델 폴더입니다.",
    "Choose an embedding model folder": "임베딩 모델 폴더 선택",
    "Folder: {folder}": "폴더: {folder}",
    "{folder} does not look like a sentence-transformers model (it has no config.json).": (
        "{folder}은(는) sentence-transformers 모델 폴더가 아닌 것 같습니다 (config.json이 없습니다)."
    ),
    "Another embedding model means every passage must be embedded again (re-embed). This can take a "
    "while; until then search uses keywords only.": (
        "임베딩 모델을 바꾸면 모든 구절을 다시 임베딩해야 합니다. 시간이 걸릴 수 있으며, 끝날 때까지는 "
        "키워드로만 검색합니다."
    ),
    "Privacy and language": "개인정보와 언어",
    "Hide personal data": "개인정보 가리기",
    "E-mail addresses, phone numbers, resident registration and card numbers are masked in answers, "
    "shown passages, exports and logs.": (
        "답변, 화면에 보이는 구절, 내보낸 파일, 로그에서 이메일 주소, 전화번호, 주민등록번호, 카드 번호를 가립니다."
    ),
    "Interface language:": "화면 언어:",
    "System": "시스템 설정",
    "Data": "데이터",
    "Data folder:": "데이터 폴더:",
    "Where the index, settings and logs are kept. To use another folder, start desktop-rag with "
    "--data-dir FOLDER or set the {variable} environment variable.": (
        "색인, 설정, 로그를 저장하는 곳입니다. 다른 폴더를 쓰려면 desktop-rag를 --data-dir 폴더 옵션으로 "
        "실행하거나 {variable} 환경 변수를 설정하세요."
    ),
    # -- security.py (encryption at rest) ---------------------------------------------------------
    "Security": "보안",
    "Unlock the library": "라이브러리 잠금 해제",
    "Unlock": "잠금 해제",
    "Passphrase": "암호 문구",
    "This library is encrypted. Enter its passphrase to open it.": "이 라이브러리는 암호화되어 있습니다. 열려면 암호 문구를 입력하세요.",
    "Wrong passphrase. Nothing was changed; try again.": "암호 문구가 틀렸습니다. 아무것도 바뀌지 않았습니다. 다시 입력하세요.",
    "Current passphrase:": "현재 암호 문구:",
    "New passphrase:": "새 암호 문구:",
    "Repeat it:": "한 번 더 입력:",
    "Without the passphrase the library cannot be opened, and nobody can recover it. "
    "Your documents themselves are not changed.": (
        "암호 문구가 없으면 라이브러리를 열 수 없고, 누구도 되살릴 수 없습니다. 문서 파일 자체는 바뀌지 않습니다."
    ),
    "The passphrase must be at least 8 characters long.": "암호 문구는 8자 이상이어야 합니다.",
    "The two passphrases differ.": "두 암호 문구가 서로 다릅니다.",
    "Encryption locks the library, the chats and the search caches with a passphrase asked at "
    "every start. Your documents, the models and files you export are not encrypted.": (
        "암호화하면 라이브러리, 대화, 검색 캐시가 암호 문구로 잠기고 시작할 때마다 암호 문구를 묻습니다. "
        "문서 파일, 모델, 내보낸 파일은 암호화되지 않습니다."
    ),
    "Remove encryption…": "암호화 해제…",
    "Remove encryption": "암호화 해제",
    "The library is encrypted.": "라이브러리가 암호화되어 있습니다.",
    "The library is not encrypted.": "라이브러리가 암호화되어 있지 않습니다.",
    "Change passphrase…": "암호 문구 변경…",
    "Change passphrase": "암호 문구 변경",
    "Encrypt with a passphrase…": "암호 문구로 암호화…",
    "Encrypt the library": "라이브러리 암호화",
    "Re-encrypting the library…": "라이브러리를 다시 암호화하는 중…",
    "Encryption": "암호화",
    "Remember on this computer": "이 컴퓨터에 기억",
    "The key is kept in this computer's keyring (locked by your login). Whoever can use your "
    "account can then open the library without the passphrase; a copied disk or a backup still cannot.": (
        "키를 이 컴퓨터의 키링(로그인으로 잠김)에 보관합니다. 이 계정을 쓸 수 있는 사람은 암호 문구 없이 "
        "라이브러리를 열 수 있지만, 복사한 디스크나 백업으로는 여전히 열 수 없습니다."
    ),
    "This computer's keyring could not keep the key.": "이 컴퓨터의 키링에 키를 보관할 수 없습니다.",
    "Delete all local data…": "로컬 데이터 모두 삭제…",
    "Delete all local data?": "로컬 데이터를 모두 삭제할까요?",
    "Delete everything desktop-rag keeps in this folder?\n\n{folder}": (
        "이 폴더에 desktop-rag가 저장한 모든 것을 삭제할까요?\n\n{folder}"
    ),
    "The index of your documents, the chats, the settings, the logs and any models in its models folder "
    "are deleted. Your documents themselves are not touched. This cannot be undone.": (
        "문서 색인, 대화, 설정, 로그와 그 안의 모델 폴더에 있는 모델이 모두 삭제됩니다. 문서 파일 자체는 "
        "건드리지 않습니다. 삭제한 뒤에는 되돌릴 수 없습니다."
    ),
    "Delete everything": "모두 삭제",
    "The chunk size must be at least 16 tokens.": "구절 크기는 16토큰 이상이어야 합니다.",
    "The overlap must be less than half the chunk size (at most {limit} tokens).": (
        "겹침은 구절 크기의 절반보다 작아야 합니다 (최대 {limit}토큰)."
    ),
    "The context size must be at least 512 tokens.": "컨텍스트 크기는 512토큰 이상이어야 합니다.",
    "The context size must be at least twice the answer length ({tokens} tokens).": (
        "컨텍스트 크기는 답변 길이({tokens}토큰)의 두 배 이상이어야 합니다."
    ),
    "The temperature must be between 0 and 2.": "온도는 0에서 2 사이여야 합니다.",
    # -- main window, chat, library, about, viewer --
    "About desktop-rag": "desktop-rag 정보",
    "Private, on-device answers from your own documents. desktop-rag makes no network connections: your documents, questions and answers never leave this computer.": "내 문서에서 찾은 답을 이 컴퓨터 안에서만 만듭니다. desktop-rag는 네트워크에 연결하지 않으므로 문서, 질문, 답변이 이 컴퓨터 밖으로 나가지 않습니다.",
    "Models and libraries": "모델과 라이브러리",
    "Component": "구성 요소",
    "Origin": "출처",
    "Licence": "라이선스",
    "New chat": "새 대화",
    "Rename": "이름 바꾸기",
    "Delete": "삭제",
    "Export…": "내보내기…",
    "Chats": "대화",
    "Library": "자료실",
    "No model loaded": "불러온 모델 없음",
    "&File": "파일(&F)",
    "Export chat…": "대화 내보내기…",
    "Quit": "끝내기",
    "&Tools": "도구(&T)",
    "Models…": "모델…",
    "Settings…": "설정…",
    "&Help": "도움말(&H)",
    "Remove folder": "폴더 제거",
    "cancelled": "취소됨",
    "done": "완료",
    "Indexing failed": "색인 실패",
    "Rename chat": "대화 이름 바꾸기",
    "Name:": "이름:",
    "Delete chat": "대화 삭제",
    "Delete this chat and its answers?": "이 대화와 답변을 삭제할까요?",
    "Deleted": "삭제됨",
    "All local data was deleted. desktop-rag will now close.": "모든 로컬 데이터를 삭제했습니다. desktop-rag를 종료합니다.",
    "Ask a question about your documents. Answers cite the passages they come from.": "문서에 대해 질문하세요. 답변에는 근거가 된 구절이 출처로 표시됩니다.",
    "Export chat": "대화 내보내기",
    "The library needs repair": "자료실 복구가 필요합니다",
    "Repair moves the damaged database aside (nothing is deleted) and rebuilds the library from your folders. Your documents are not touched.": "복구는 손상된 데이터베이스를 옆으로 옮기고(삭제하지 않음) 폴더에서 자료실을 다시 만듭니다. 문서 파일은 건드리지 않습니다.",
    "Repair": "복구",
    "Repairing the library…": "자료실을 복구하는 중…",
    "Repair failed": "복구 실패",
    "The folder list could not be read: add your folders again on the Library tab.": "폴더 목록을 읽을 수 없습니다. 자료실 탭에서 폴더를 다시 추가하세요.",
    "Your library is empty: add a folder of documents on the Library tab (or drop one there), then ask.": "자료실이 비어 있습니다. 자료실 탭에서 문서 폴더를 추가(또는 끌어다 놓기)한 뒤 질문하세요.",
    "Loading the model…": "모델을 불러오는 중…",
    "Embedding model changed": "임베딩 모델 변경됨",
    "The new embedding model applies after a restart; the library is then re-embedded.": "새 임베딩 모델은 다시 시작한 뒤 적용되며, 그때 자료실을 다시 임베딩합니다.",
    "Language": "언어",
    "The new language applies after a restart.": "새 언어는 다시 시작한 뒤 적용됩니다.",
    "Remove {folder} from the library? Its files stay on disk.": "{folder} 폴더를 자료실에서 제거할까요? 파일은 디스크에 그대로 남습니다.",
    "{folder}: {state} — {files} files indexed, {errors} failed, {s} s": "{folder}: {state} — 파일 {files}개 색인, {errors}개 실패, {s}초",
    "Library upgraded to the new embedding model ({n} passages re-embedded). ": "라이브러리를 새 임베딩 모델로 바꿨습니다(구절 {n}개 다시 임베딩). ",
    "Exported to {path}": "{path}(으)로 내보냈습니다",
    "Error: ": "오류: ",
    "Last answer: first word after {s} s, {t} tokens/s": "마지막 답변: 첫 단어까지 {s}초, 초당 {t}토큰",
    "Copy": "복사",
    "Regenerate": "다시 생성",
    "…": "…",
    "Ask a question about your documents (Ctrl+Enter to send)": "문서에 대해 질문하세요 (Ctrl+Enter로 보내기)",
    "Send": "보내기",
    "Stopped.": "중지했습니다.",
    "The answer cites no source: check it against the passages below.": "답변에 출처 표시가 없습니다. 아래 구절과 대조해 확인하세요.",
    "Some retrieved passages did not fit in the model's context: ": "찾은 구절 중 모델의 문맥에 들어가지 못한 구절 수: ",
    "Search in:": "검색 범위:",
    "All collections": "모든 모음",
    "Stop": "중지",
    "These markers point to no source: ": "다음 표시는 어떤 출처와도 맞지 않습니다: ",
    "page": "쪽",
    "slide": "슬라이드",
    "first word after {s} s · {t} tokens/s": "첫 단어까지 {s}초 · 초당 {t}토큰",
    "Sources": "출처",
    "not found in the sources": "출처에서 찾을 수 없음",
    "Show reasoning": "추론 과정 보기",
    "Summarise this file": "이 파일 요약",
    "Summarise a file…": "파일 요약…",
    "Read the whole file and summarise it, citing its pages": "파일 전체를 읽고 쪽을 밝혀 요약합니다",
    "Summarise {name}": "{name} 요약",
    "Load a language model first (Models…).": "먼저 언어 모델을 불러오세요(모델…).",
    "Reading {name}…": "{name} 읽는 중…",
    "Reading {name}: part {done} of {total}…": "{name} 읽는 중: {total}개 중 {done}번째 부분…",
    "Combining the notes on {name}…": "{name}에 대한 메모를 종합하는 중…",
    "Hide reasoning": "추론 과정 숨기기",
    "Chat template problem: ": "채팅 템플릿 문제: ",
    "Check every sentence against its sources": "답변의 모든 문장을 출처와 대조",
    "Marks sentences that no source supports and citations that point to the wrong passage (takes milliseconds).": "어떤 출처도 뒷받침하지 않는 문장과 엉뚱한 구절을 가리키는 인용을 표시합니다(몇 밀리초 걸림).",
    "No source the model was given says this. Check it before relying on it.": "모델에 주어진 어떤 출처에도 이 내용이 없습니다. 믿기 전에 확인하세요.",
    "{n} sentences are not supported by the source they cite: see the marks in the answer.": "{n}개 문장이 인용한 출처로 뒷받침되지 않습니다. 답변의 표시를 확인하세요.",
    "{n} more": "{n}개 더 보기",
    "Ask your documents": "내 문서에 물어보세요",
    "1. Add a folder of documents  ·  2. Choose or import a language model  ·  3. Ask": (
        "1. 문서 폴더 추가  ·  2. 언어 모델 선택 또는 가져오기  ·  3. 질문하기"
    ),
    "Question": "질문",
    "Send (Ctrl+Enter)": "보내기 (Ctrl+Enter)",
    "Previous highlight": "이전 강조 위치",
    "Next highlight": "다음 강조 위치",
    "Light": "밝게",
    "Dark": "어둡게",
    "Appearance:": "화면 테마:",
    "Saving the index…": "색인을 저장하는 중…",
    "Upgrading the library to the new embedding model: {done} of {total} passages; "
    "search uses keywords only until it is done": (
        "라이브러리를 새 임베딩 모델로 바꾸는 중: 구절 {total}개 중 {done}개. 끝날 때까지는 키워드로만 검색합니다"
    ),
    "{n} min left": "{n}분 남음",
    "{n} s left": "{n}초 남음",
    "Pause": "일시 정지",
    "Resume": "계속",
    "Remove": "제거",
    "Re-index": "다시 색인",
    "Tip: drop folders here to add them.": "팁: 폴더를 여기에 끌어다 놓으면 추가됩니다.",
    "Choose a folder of documents": "문서 폴더 선택",
    "Looking for files in {folder}…": "{folder}에서 파일을 찾는 중…",
    "Indexing {done} of {total} files": "파일 {total}개 중 {done}개 색인",
    "Indexing paused": "색인 일시 정지됨",
    "Folder": "폴더",
    "Files": "파일",
    "Passages": "구절",
    "Failed": "실패",
    "Last indexed": "마지막 색인",
    "never": "없음",
    "No folders yet. Add a folder of documents to start.": "아직 폴더가 없습니다. 문서 폴더를 추가해 시작하세요.",
    "Collection": "모음",
    "Add the folder to which collection? (type a new name for a new one)": "어느 모음에 폴더를 추가할까요? (새 모음은 새 이름을 입력)",
    "{n} passages/s": "초당 구절 {n}개",
    "{folders} folders · {chunks} passages indexed": "폴더 {folders}개 · 구절 {chunks}개 색인됨",
    "Open in default app": "기본 앱에서 열기",
    "Show in folder": "폴더에서 보기",
    "Zoom in": "확대",
    "Zoom out": "축소",
    "Fit width": "너비에 맞춤",
    "Loading…": "불러오는 중…",
    "Page {page} of {count}": "{count}쪽 중 {page}쪽",
    "Page {page} is not in this file any more; showing the last page.": "이 파일에는 이제 {page}쪽이 없어 마지막 쪽을 표시합니다.",
    "Script and program files are not opened directly, so that they cannot run; use Show in folder.": "스크립트와 프로그램 파일은 실행되지 않도록 직접 열지 않습니다. '폴더에서 보기'를 사용하세요.",
    "The passage as indexed:": "색인된 구절:",
    "The passage could not be marked on this page; it is shown as indexed:": "이 쪽에서 구절을 표시하지 못했습니다. 색인된 내용은 다음과 같습니다:",
    "The passage was not found in the current version of this file; it is shown as indexed.": "현재 파일에서 구절을 찾지 못해 색인된 내용을 표시합니다.",
    "This PDF could not be opened: the file is damaged or not a PDF.": "PDF를 열 수 없습니다. 파일이 손상되었거나 PDF가 아닙니다.",
    "This PDF is password-protected and cannot be shown here.": "암호로 보호된 PDF라 여기에서 표시할 수 없습니다.",
    "This file could not be read: {reason}": "파일을 읽을 수 없습니다: {reason}",
    "This file was moved or deleted since it was indexed.": "색인한 뒤 파일이 이동되었거나 삭제되었습니다.",
    # -- text recognition (OCR) ------------------------------------------------------------------
    "Scanned pages and images": "스캔한 페이지와 이미지",
    "Recognise text in scanned pages and images": "스캔한 페이지와 이미지의 글자 인식",
    "PDF pages without text and image files are read on this computer (OCR). It is slow; "
    "recognised text can contain errors and is marked as such.": (
        "글자가 없는 PDF 페이지와 이미지 파일을 이 컴퓨터에서 읽습니다(OCR). 시간이 걸리며, "
        "인식된 글자에는 오류가 있을 수 있어 따로 표시됩니다."
    ),
    "English": "영어",
    "Korean": "한국어",
    "Languages:": "언어:",
    "Import Korean model…": "한국어 모델 가져오기…",
    "A Tesseract model file named kor.traineddata.": "kor.traineddata라는 이름의 Tesseract 모델 파일입니다.",
    "Korean needs its model file (kor.traineddata), which is not included: import it once.": (
        "한국어를 읽으려면 모델 파일(kor.traineddata)이 필요합니다. 포함되어 있지 않으니 한 번 가져오세요."
    ),
    "Tesseract models (*.traineddata);;All files (*)": "Tesseract 모델 (*.traineddata);;모든 파일 (*)",
    "Page {page}": "{page}쪽",
    "recognised (OCR)": "인식된 글자 (OCR)",
    "This text was recognised from the page image on this computer (OCR) and can contain errors.": (
        "이 글자는 이 컴퓨터에서 페이지 이미지로부터 인식한 것이며(OCR) 오류가 있을 수 있습니다."
    ),
    "recognising page {page} of {pages} in {file}": "{file}의 {pages}쪽 중 {page}쪽 글자 인식 중",
}

_language = "en"


def set_language(choice: str) -> str:
    """``auto`` follows the system locale; returns the language in effect ("en" or "ko")."""
    global _language
    if choice == "auto":
        from PySide6.QtCore import QLocale

        choice = "ko" if QLocale.system().language() == QLocale.Language.Korean else "en"
    _language = "ko" if choice == "ko" else "en"
    return _language


def current_language() -> str:
    return _language


def tr(text: str) -> str:
    """``text`` in the current UI language (English when no translation exists)."""
    if _language == "ko":
        return KOREAN.get(text, text)
    return text


def place_of(source: dict, full_path: bool = False) -> str:
    """Where a cited passage is, in the UI's language: "mail.eml › report.pdf, 쪽 3", "deck.pptx, 슬라이드 4"
    (``source`` as ``AnswerResult.to_json()`` writes it)."""
    return source_place(source, {"page": tr("page"), "slide": tr("slide")}, full_path)
