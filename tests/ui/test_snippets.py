"""Source snippets read like text: no Markdown syntax, table rows as rows, the question's words marked."""

from __future__ import annotations

from desktop_rag.ui.chat_panel import document_command
from desktop_rag.ui.snippets import plain_text, snippet_html

MARKDOWN = """## 프로세스(Process)

**프로세스**는 [실행 중인 프로그램](https://example.com/p)으로, `CPU` 의 할당을 받는다. _중요한_ 개념이다.

| 이름 | 설명 |
|---|:---:|
| PCB | 프로세스 제어 블록 |
| PID | 프로세스 식별 번호 |

* 목록 항목 ![그림](img.png)
"""


def test_markdown_syntax_is_removed_and_table_rows_stay_rows():
    text = plain_text(MARKDOWN)
    for syntax in ("**", "##", "|", "---", "](", "`", "_중요", "!["):
        assert syntax not in text, syntax
    lines = text.split("\n")
    assert lines[0].startswith("프로세스(Process) 프로세스는 실행 중인 프로그램으로, CPU 의 할당을 받는다. 중요한 개념이다.")
    assert "이름  ·  설명" in lines and "PCB  ·  프로세스 제어 블록" in lines and "PID  ·  프로세스 식별 번호" in lines
    assert lines[-1] == "• 목록 항목 그림"


def test_snippet_marks_question_words_and_shows_rows_on_their_own_lines():
    html = snippet_html("| Name | Role |\n|---|---|\n| Watson | President |\n| Flint | Founder |", ["watson"], max_rows=3)
    assert html.count("<br>") == 2 and "|" not in html
    assert '<span style="' in html and ">Watson</span>" in html
    long = snippet_html("word " * 200, [], limit=50)
    assert long.endswith("…") and len(long) <= 52


def test_chat_commands_for_whole_documents():
    assert document_command("/summarise report.pdf") == ("report.pdf", None)
    assert document_command("/summarize  my file.docx ") == ("my file.docx", None)
    assert document_command("/요약 보고서.hwp") == ("보고서.hwp", None)
    assert document_command("/ask contract.pdf: what about termination?") == ("contract.pdf", "what about termination?")
    assert document_command("/질문 계약서.pdf: 해지 조건은?") == ("계약서.pdf", "해지 조건은?")
    assert document_command("What is /summarise?") is None and document_command("/ask") is None
