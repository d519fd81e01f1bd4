"""Chat templates of the model families people load, as their model files carry them
(``tokenizer.chat_template`` in tokenizer_config.json and in the GGUF): each family's turn markers,
end-of-turn token, default system text, system-role handling, tool and reasoning branches. The tests
(tests/core/test_chat_templates.py) write them into a copy of the test GGUF and run them through the
app's prompt rendering and llama.cpp.

These are our own Jinja, not copies of the model files: each reproduces the structure of the template
named in its ``source`` (the same branches: system extraction, default system and date, tools, tool
calls and results, reasoning blocks, role checks) in our own arrangement. Each was checked to render
byte for byte what the model file's template renders, for the conversations the app sends (system
instructions, retrieved sources and history, with and without history, Korean questions, whole-document
prompts, the system turn folded into the first user turn where the template rejects or drops it, Qwen 3
with and without thinking), both under transformers' renderer and under the app's, and for a
conversation with tools, a tool call and its result under transformers' renderer. The model files'
templates were read for that check only; they are not part of this repository.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.gguf_edit import GEMMA3_TEMPLATE


@dataclass(frozen=True)
class Family:
    name: str
    template: str | None
    stop: str  # the end-of-turn text the template writes after an assistant turn ("<eos>": the eos_token, as Mistral)
    markers: tuple[str, ...]  # texts a rendered prompt must contain (turn headers)
    folds_system: bool = False  # rejects (or drops) a system turn: the instructions go into the first user turn
    thinks: bool = False  # the generation prompt opens a <think> block
    thinking: bool = True  # render with enable_thinking (Qwen 3)
    has_chatml_tokens: bool = False  # for the no-template case
    source: str = ""  # the model file whose template this one reproduces (repository, revision or date)


LLAMA3 = r"""{%- for message in messages %}
    {%- if loop.first %}{{- bos_token }}{%- endif %}
    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}"""

# Llama 3.1 and 3.2 share their layout; 3.1 also knows Meta's built-in tools (ipython, <|eom_id|>),
# 3.2 writes today's date where 3.1 writes a fixed one.
_LLAMA_TOOLS_HELP = r"""{%- macro function_help(tools) %}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) + "\n\n" }}
    {%- endfor %}
{%- endmacro %}
"""

_LLAMA_SETUP = r"""{{- bos_token }}
{%- if custom_tools is defined %}{%- set tools = custom_tools %}{%- endif %}
{%- if tools is not defined %}{%- set tools = none %}{%- endif %}
{%- if tools_in_user_message is not defined %}{%- set tools_in_user_message = true %}{%- endif %}
{%- set system_message = "" %}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] | trim %}
    {%- set messages = messages[1:] %}
{%- endif %}
"""

_LLAMA_SYSTEM_AND_FIRST_USER = r"""{{- "Cutting Knowledge Date: December 2023\nToday Date: " + date_string + "\n\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions. To call a function, please respond with JSON for a function call." + function_help(tools) }}
{%- endif %}
{{- system_message + "<|eot_id|>" }}
{%- if tools is not none and tools_in_user_message %}
    {%- if messages | length == 0 %}
        {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
    {%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\n\n' }}
    {{- "Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n" }}
    {{- function_help(tools) + messages[0]['content'] | trim + "<|eot_id|>" }}
    {%- set messages = messages[1:] %}
{%- endif %}
"""

_LLAMA_RESULTS_AND_PROMPT = r"""    {%- elif message.role in ['tool', 'ipython'] %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\n\n" }}
        {{- message.content | tojson if message.content is mapping or message.content is iterable else message.content }}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}"""

_LLAMA_TURN = r"""{%- for message in messages %}
    {%- if not (message.role in ['tool', 'ipython'] or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if message.tool_calls | length != 1 %}
            {{- raise_exception("This model only supports single tool-calls at once!") }}
        {%- endif %}
        {%- set call = message.tool_calls[0].function %}
        {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
"""

LLAMA31 = (
    _LLAMA_TOOLS_HELP
    + _LLAMA_SETUP
    + r"""{%- if date_string is not defined %}{%- set date_string = "26 Jul 2024" %}{%- endif %}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{%- if builtin_tools is defined or tools is not none %}{{- "Environment: ipython\n" }}{%- endif %}
{%- if builtin_tools is defined %}
    {{- "Tools: " + builtin_tools | reject('equalto', 'code_interpreter') | join(", ") + "\n\n" }}
{%- endif %}
"""
    + _LLAMA_SYSTEM_AND_FIRST_USER
    + _LLAMA_TURN
    + r"""        {%- if builtin_tools is defined and call.name in builtin_tools %}
            {{- "<|python_tag|>" + call.name + ".call(" }}
            {%- for name, value in call.arguments | items %}
                {{- name + '="' + value + '"' + (", " if not loop.last else "") }}
            {%- endfor %}
            {{- ")" }}
        {%- else %}
            {{- '{"name": "' + call.name + '", "parameters": ' + call.arguments | tojson + "}" }}
        {%- endif %}
        {{- "<|eom_id|>" if builtin_tools is defined else "<|eot_id|>" }}
"""
    + _LLAMA_RESULTS_AND_PROMPT
)

LLAMA32 = (
    _LLAMA_TOOLS_HELP
    + _LLAMA_SETUP
    + r"""{%- if date_string is not defined %}
    {%- set date_string = strftime_now("%d %b %Y") if strftime_now is defined else "26 Jul 2024" %}
{%- endif %}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{%- if tools is not none %}{{- "Environment: ipython\n" }}{%- endif %}
"""
    + _LLAMA_SYSTEM_AND_FIRST_USER
    + _LLAMA_TURN
    + r"""        {{- '{"name": "' + call.name + '", "parameters": ' + call.arguments | tojson + "}<|eot_id|>" }}
"""
    + _LLAMA_RESULTS_AND_PROMPT
)

# Qwen 2.5 and 3 write the same tools block in the system turn and the same tool turns.
_QWEN_TOOLS = r"""{{- "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" + tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}"""

_QWEN_TOOL_RESULTS = r"""    {%- elif message.role == 'tool' %}
        {#- Consecutive tool results share one user turn. #}
        {%- if loop.first or messages[loop.index0 - 1].role != 'tool' %}{{- '<|im_start|>user' }}{%- endif %}
        {{- '\n<tool_response>\n' + message.content + '\n</tool_response>' }}
        {%- if loop.last or messages[loop.index0 + 1].role != 'tool' %}{{- '<|im_end|>\n' }}{%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}"""

QWEN25 = (
    r"""{%- set system = messages[0]['content'] if messages[0]['role'] == 'system' else 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' %}
{%- if tools %}
    {{- '<|im_start|>system\n' + system + '\n\n' }}
    """
    + _QWEN_TOOLS
    + r"""
{%- else %}
    {{- '<|im_start|>system\n' + system + '<|im_end|>\n' }}
{%- endif %}
{%- for message in messages %}
    {%- if message.role == 'user' or (message.role == 'system' and not loop.first) or (message.role == 'assistant' and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>\n' }}
    {%- elif message.role == 'assistant' %}
        {{- '<|im_start|>assistant' + ('\n' + message.content if message.content else '') }}
        {%- for tc in message.tool_calls %}
            {%- set tc = tc.function if tc.function is defined else tc %}
            {{- '\n<tool_call>\n{"name": "' + tc.name + '", "arguments": ' + tc.arguments | tojson + '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
"""
    + _QWEN_TOOL_RESULTS
    + r"""
{%- endif %}"""
)

QWEN3 = (
    r"""{%- if tools %}
    {{- '<|im_start|>system\n' + (messages[0].content + '\n\n' if messages[0].role == 'system' else '') }}
    """
    + _QWEN_TOOLS
    + r"""
{%- elif messages[0].role == 'system' %}
    {{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}
{%- endif %}
{#- The last real question: tool results sent back as user turns do not count. #}
{%- set ns = namespace(searching=true, last_query=messages | length - 1) %}
{%- for message in messages[::-1] %}
    {%- if ns.searching and message.role == 'user' and not (message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.searching = false %}
        {%- set ns.last_query = messages | length - 1 - loop.index0 %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if message.role == 'user' or (message.role == 'system' and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>\n' }}
    {%- elif message.role == 'assistant' %}
        {%- set content = message.content %}
        {%- set reasoning = '' %}
        {%- if message.reasoning_content is defined and message.reasoning_content is not none %}
            {%- set reasoning = message.reasoning_content %}
        {%- elif '</think>' in content %}
            {%- set reasoning = content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') %}
            {%- set content = content.split('</think>')[-1].lstrip('\n') %}
        {%- endif %}
        {#- Reasoning is kept only after the last question (the turn in progress). #}
        {%- if loop.index0 > ns.last_query and (loop.last or reasoning) %}
            {{- '<|im_start|>assistant\n<think>\n' + reasoning.strip('\n') + '\n</think>\n\n' + content.lstrip('\n') }}
        {%- else %}
            {{- '<|im_start|>assistant\n' + content }}
        {%- endif %}
        {%- for tc in message.tool_calls or [] %}
            {%- if content or not loop.first %}{{- '\n' }}{%- endif %}
            {%- set tc = tc.function if tc.function else tc %}
            {{- '<tool_call>\n{"name": "' + tc.name + '", "arguments": ' }}
            {{- tc.arguments if tc.arguments is string else tc.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
"""
    + _QWEN_TOOL_RESULTS
    + r"""
    {%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\n\n</think>\n\n' }}{%- endif %}
{%- endif %}"""
)

# Mistral's "v3" template (Mistral 7B Instruct v0.3): the system text goes into the last user turn;
# tools are offered just before the last user message.
_MISTRAL_TOOL_LIST = r"""            {{- '[AVAILABLE_TOOLS] [' }}
            {%- for tool in tools %}
                {{- '{"type": "function", "function": {' }}
                {%- for key, val in tool.function.items() if key != 'return' %}
                    {{- '"' + key + '": ' + ('"' + val + '"' if val is string else val | tojson) + (', ' if not loop.last else '') }}
                {%- endfor %}
                {{- '}}' + (', ' if not loop.last else ']') }}
            {%- endfor %}
            {{- '[/AVAILABLE_TOOLS]' }}
"""

MISTRAL_V03 = (
    r"""{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if tools is not defined %}{%- set tools = none %}{%- endif %}
{%- set user_messages = loop_messages | selectattr('role', 'equalto', 'user') | list %}
{#- Users and assistants alternate; tool calls and their results do not count. #}
{%- for message in loop_messages if not (message.role in ['tool', 'tool_results'] or (message.tool_calls is defined and message.tool_calls is not none)) %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
{%- endfor %}
{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message['role'] == 'user' %}
        {%- if tools is not none and message == user_messages[-1] %}
"""
    + _MISTRAL_TOOL_LIST
    + r"""        {%- endif %}
        {{- '[INST] ' + (system_message + '\n\n' if loop.last and system_message is defined else '') + message['content'] + '[/INST]' }}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- '[TOOL_CALLS] [' }}
        {%- for tc in message.tool_calls %}
            {%- if tc.id is not defined or tc.id | length != 9 %}
                {{- raise_exception('Tool call IDs should be alphanumeric strings with length 9!') }}
            {%- endif %}
            {{- (tc.function | tojson)[:-1] + ', "id": "' + tc.id + '"}' + (', ' if not loop.last else ']' + eos_token) }}
        {%- endfor %}
    {%- elif message['role'] == 'assistant' %}
        {{- ' ' + message['content'] | trim + eos_token }}
    {%- elif message['role'] in ['tool_results', 'tool'] %}
        {%- set result = message.content.content if message.content is defined and message.content.content is defined else message.content %}
        {%- if message.tool_call_id is not defined or message.tool_call_id | length != 9 %}
            {{- raise_exception('Tool call IDs should be alphanumeric strings with length 9!') }}
        {%- endif %}
        {{- '[TOOL_RESULTS] {"content": ' + result | string + ', "call_id": "' + message.tool_call_id + '"}[/TOOL_RESULTS]' }}
    {%- else %}
        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
    {%- endif %}
{%- endfor %}"""
)

# Mistral Small 3.1: a [SYSTEM_PROMPT] block (a dated default when none is given), tools before the
# last user message, text and image blocks in a message's content.
MISTRAL_SMALL = (
    r"""{%- set today = strftime_now('%Y-%m-%d') %}
{%- set default_system_message = 'You are Mistral Small 3, a Large Language Model (LLM) created by Mistral AI, a French startup headquartered in Paris.\nYour knowledge base was last updated on 2023-10-01. The current date is ' + today + '.\n\n'
    + "When you're not sure about some information, you say that you don't have the information and don't make up anything.\n"
    + "If the user's question is not clear, ambiguous, or does not provide enough context for you to accurately answer the question, you do not try to answer it right away and you rather ask the user to clarify their request "
    + '(e.g. "What are some good restaurants around me?" => "Where are you?" or "When is the next flight to Tokyo" => "Where do you travel from?")' %}
{{- bos_token }}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] if messages[0]['content'] is string else messages[0]['content'][0]['text'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set system_message = default_system_message %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if tools is not defined %}
    {%- set tools = none %}
{%- elif tools is not none %}
    {%- set system_message = 'You are a helpful assistant that can call tools. If you call one or more tools, format them in a single JSON array or objects, where each object is a tool call, not as separate objects outside of an array or multiple arrays. Use the format [{"name": tool call name, "arguments": tool call arguments}, additional tool calls] if you call more than one tool. If you call tools, do not attempt to interpret them or otherwise provide a response until you receive a tool call result that you can interpret for the user.\n\n' + system_message %}
{%- endif %}
{{- '[SYSTEM_PROMPT]' + system_message + '[/SYSTEM_PROMPT]' }}
{%- set user_messages = loop_messages | selectattr('role', 'equalto', 'user') | list %}
{%- for message in loop_messages if message['role'] not in ['tool', 'tool_results'] and not message.get('tool_calls') %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
{%- endfor %}
{%- for message in loop_messages %}
    {%- if message['role'] == 'user' %}
        {%- if tools is not none and message == user_messages[-1] %}
"""
    + _MISTRAL_TOOL_LIST
    + r"""        {%- endif %}
        {{- '[INST]' }}
        {%- if message['content'] is string %}
            {{- message['content'] }}
        {%- else %}
            {%- for block in message['content'] %}
                {%- if block['type'] == 'text' %}
                    {{- block['text'] }}
                {%- elif block['type'] in ['image', 'image_url'] %}
                    {{- '[IMG]' }}
                {%- else %}
                    {{- raise_exception('Only text and image blocks are supported in message content!') }}
                {%- endif %}
            {%- endfor %}
        {%- endif %}
        {{- '[/INST]' }}
    {%- elif message['role'] == 'tool_calls' or message.tool_calls is defined %}
        {{- '[TOOL_CALLS] [' }}
        {%- for tc in (message.tool_calls if message.tool_calls is defined else message.content) %}
            {%- if tc.id is not defined or tc.id | length < 9 %}
                {{- raise_exception('Tool call IDs should be alphanumeric strings with length >= 9! (1)' + tc.id) }}
            {%- endif %}
            {{- (tc.function | tojson)[:-1] + ', "id": "' + tc.id[-9:] + '"}' + (', ' if not loop.last else ']' + eos_token) }}
        {%- endfor %}
    {%- elif message['role'] == 'assistant' %}
        {{- (message['content'] if message['content'] is string else message['content'][0]['text']) + eos_token }}
    {%- elif message['role'] in ['tool_results', 'tool'] %}
        {%- set result = message.content.content if message.content is defined and message.content.content is defined else message.content %}
        {%- if message.tool_call_id is not defined or message.tool_call_id | length < 9 %}
            {{- raise_exception('Tool call IDs should be alphanumeric strings with length >= 9! (2)' + message.tool_call_id) }}
        {%- endif %}
        {{- '[TOOL_RESULTS] {"content": ' + result | string + ', "call_id": "' + message.tool_call_id[-9:] + '"}[/TOOL_RESULTS]' }}
    {%- else %}
        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
    {%- endif %}
{%- endfor %}"""
)

# Phi-3 mini as its files carry it since the June 2024 update: a system turn is written.
PHI3 = r"""{%- for message in messages %}
    {%- if message['role'] in ['system', 'user', 'assistant'] %}
        {{- '<|' + message['role'] + '|>\n' + message['content'] + '<|end|>\n' }}
    {%- endif %}
{%- endfor %}
{{- '<|assistant|>\n' if add_generation_prompt else eos_token }}"""

# Phi-3 mini's first release (April 2024): user and assistant turns only; a system turn is silently dropped.
PHI3_2404 = r"""{{- bos_token }}
{%- for message in messages %}
    {%- if message['role'] == 'user' %}
        {{- '<|user|>\n' + message['content'] + '<|end|>\n<|assistant|>\n' }}
    {%- elif message['role'] == 'assistant' %}
        {{- message['content'] + '<|end|>\n' }}
    {%- endif %}
{%- endfor %}"""

# Phi-3.5 mini: as Phi-3 mini, but an empty system turn is left out.
PHI35 = r"""{%- for message in messages %}
    {%- if (message['role'] == 'system' and message['content']) or message['role'] in ['user', 'assistant'] %}
        {{- '<|' + message['role'] + '|>\n' + message['content'] + '<|end|>\n' }}
    {%- endif %}
{%- endfor %}
{{- '<|assistant|>\n' if add_generation_prompt else eos_token }}"""

# Phi-4 mini: no newlines after the role tags; tools ride on the system message.
PHI4_MINI = r"""{%- for message in messages %}
    {{- '<|' + message['role'] + '|>' + message['content'] }}
    {%- if message['role'] == 'system' and 'tools' in message and message['tools'] is not none %}
        {{- '<|tool|>' + message['tools'] + '<|/tool|>' }}
    {%- endif %}
    {{- '<|end|>' }}
{%- endfor %}
{{- '<|assistant|>' if add_generation_prompt else eos_token }}"""

GEMMA2 = r"""{{- bos_token }}
{%- if messages[0]['role'] == 'system' %}{{- raise_exception('System role not supported') }}{%- endif %}
{%- for message in messages %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
    {{- '<start_of_turn>' + ('model' if message['role'] == 'assistant' else message['role']) + '\n' + message['content'] | trim + '<end_of_turn>\n' }}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<start_of_turn>model\n' }}{%- endif %}"""

# Granite 3.1 (3.0 had no default system text; 3.2 and 3.3 add thinking branches).
GRANITE3 = r"""{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set grounded = " Write the response to the user's input by strictly aligning with the facts in the provided documents. If the information needed to answer the question is not available in the documents, inform the user that the question cannot be answered based on the available data." %}
    {%- set with_tools = " You are a helpful AI assistant with access to the following tools. When a tool is required to answer the user's query, respond with <|tool_call|> followed by a JSON list of tools used. If a tool does not exist in the provided list of tools, notify the user that you do not have the ability to fulfill the request." %}
    {%- set system_message = "Knowledge Cutoff Date: April 2024.\nToday's Date: " + strftime_now('%B %d, %Y') + ".\nYou are Granite, developed by IBM." %}
    {%- if tools and documents %}
        {%- set system_message = system_message + with_tools + "\n\n" + grounded[1:] %}
    {%- elif tools %}
        {%- set system_message = system_message + with_tools %}
    {%- elif documents %}
        {%- set system_message = system_message + grounded %}
    {%- else %}
        {%- set system_message = system_message + " You are a helpful AI assistant." %}
    {%- endif %}
    {%- if 'citations' in controls and documents %}
        {%- set system_message = system_message + '\n\nIn your response, use the symbols <co> and </co> to indicate when a fact comes from a document in the search result, e.g <co>0</co> for a fact from document 0. Afterwards, list all the citations with their corresponding documents in an ordered list.' %}
    {%- endif %}
    {%- if 'hallucinations' in controls and documents %}
        {%- set system_message = system_message + '\n\nFinally, after the response is written, include a numbered list of sentences from the response that are potentially hallucinated and not based in the documents.' %}
    {%- endif %}
    {%- set loop_messages = messages %}
{%- endif %}
{{- '<|start_of_role|>system<|end_of_role|>' + system_message + '<|end_of_text|>\n' }}
{%- if tools %}
    {{- '<|start_of_role|>tools<|end_of_role|>' + tools | tojson(indent=4) + '<|end_of_text|>\n' }}
{%- endif %}
{%- if documents %}
    {{- '<|start_of_role|>documents<|end_of_role|>' }}
    {%- for document in documents %}
        {{- 'Document ' + loop.index0 | string + '\n' + document['text'] + ('\n\n' if not loop.last else '') }}
    {%- endfor %}
    {{- '<|end_of_text|>\n' }}
{%- endif %}
{%- for message in loop_messages %}
    {{- '<|start_of_role|>' + message['role'] + '<|end_of_role|>' + message['content'] + '<|end_of_text|>\n' }}
    {%- if loop.last and add_generation_prompt %}
        {{- '<|start_of_role|>assistant' + (' ' + controls | tojson() if controls else '') + '<|end_of_role|>' }}
    {%- endif %}
{%- endfor %}"""

# DeepSeek-R1 distills (Qwen and Llama bases share it): the system text goes first, untagged; the
# generation prompt opens the reasoning block.
DEEPSEEK_R1_DISTILL = r"""{%- set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='') %}
{%- for message in messages if message['role'] == 'system' %}
    {%- set ns.system_prompt = message['content'] %}
{%- endfor %}
{{- bos_token + ns.system_prompt }}
{%- for message in messages %}
    {%- if message['role'] == 'user' %}
        {%- set ns.is_tool = false %}
        {{- '<｜User｜>' + message['content'] }}
    {%- elif message['role'] == 'assistant' and message['content'] is none %}
        {%- set ns.is_tool = false %}
        {%- for tool in message['tool_calls'] %}
            {%- set call = tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\n```json\n' + tool['function']['arguments'] + '\n```<｜tool▁call▁end｜>' %}
            {%- if not ns.is_first %}
                {{- '<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + call }}
                {%- set ns.is_first = true %}
            {%- else %}
                {{- '\n<｜tool▁call▁begin｜>' + call + '<｜tool▁calls▁end｜><｜end▁of▁sentence｜>' }}
            {%- endif %}
        {%- endfor %}
    {%- elif message['role'] == 'assistant' %}
        {%- if ns.is_tool %}
            {{- '<｜tool▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>' }}
            {%- set ns.is_tool = false %}
        {%- else %}
            {{- '<｜Assistant｜>' + message['content'].split('</think>')[-1] + '<｜end▁of▁sentence｜>' }}
        {%- endif %}
    {%- elif message['role'] == 'tool' %}
        {%- set ns.is_tool = true %}
        {{- ('<｜tool▁outputs▁begin｜>' if ns.is_output_first else '\n') + '<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>' }}
        {%- set ns.is_output_first = false %}
    {%- endif %}
{%- endfor %}
{%- if ns.is_tool %}{{- '<｜tool▁outputs▁end｜>' }}{%- endif %}
{%- if add_generation_prompt and not ns.is_tool %}{{- '<｜Assistant｜><think>\n' }}{%- endif %}"""

SMOLLM2 = r"""{%- for message in messages %}
    {%- if loop.first and message['role'] != 'system' %}
        {{- '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}
    {%- endif %}
    {{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\n' }}{%- endif %}"""

# EXAONE 3.5: an empty system turn when none is given; user turns end with a newline only.
EXAONE35 = r"""{%- for message in messages %}
    {%- if loop.first and message['role'] != 'system' %}{{- '[|system|][|endofturn|]\n' }}{%- endif %}
    {{- '[|' + message['role'] + '|]' + message['content'] + ('\n' if message['role'] == 'user' else '[|endofturn|]\n') }}
{%- endfor %}
{%- if add_generation_prompt %}{{- '[|assistant|]' }}{%- endif %}"""

RAISING = "{{ raise_exception('This template is broken on purpose') }}"

FAMILIES = [
    Family("llama-3-instruct", LLAMA3, "<|eot_id|>", ("<|start_header_id|>system<|end_header_id|>", "<|start_header_id|>assistant<|end_header_id|>"),
           source="meta-llama/Meta-Llama-3-8B-Instruct, tokenizer_config.json as updated in May 2024 (add_generation_prompt)"),
    Family("llama-3.1-instruct", LLAMA31, "<|eot_id|>", ("Cutting Knowledge Date", "<|start_header_id|>user<|end_header_id|>"),
           source="meta-llama/Llama-3.1-8B-Instruct (July 2024 release, builtin and custom tools)"),
    Family("llama-3.2-instruct", LLAMA32, "<|eot_id|>", ("Today Date:", "<|start_header_id|>assistant<|end_header_id|>"),
           source="meta-llama/Llama-3.2-3B-Instruct (September 2024 release, date from strftime_now)"),
    Family("qwen-2.5-instruct", QWEN25, "<|im_end|>", ("<|im_start|>system\n", "<|im_start|>assistant\n"),
           source="Qwen/Qwen2.5-7B-Instruct (September 2024 release; the same template in 0.5B-72B)"),
    Family("qwen-3-thinking", QWEN3, "<|im_end|>", ("<|im_start|>system\n", "<|im_start|>assistant\n"),
           source="Qwen/Qwen3-0.6B (April 2025 release; the same template in the other Qwen 3 sizes)"),
    Family("qwen-3-no-thinking", QWEN3, "<|im_end|>", ("<|im_start|>assistant\n<think>\n\n</think>",), thinking=False,
           source="Qwen/Qwen3-0.6B, rendered with enable_thinking=False"),
    Family("mistral-instruct-v0.3", MISTRAL_V03, "<eos>", ("[INST]", "[/INST]"),
           source="mistralai/Mistral-7B-Instruct-v0.3, the 'v3' template with tools (August 2024 update; also Mistral-Large-Instruct-2407)"),
    Family("mistral-small-3.1", MISTRAL_SMALL, "<eos>", ("[SYSTEM_PROMPT]", "[INST]"),
           source="mistralai/Mistral-Small-3.1-24B-Instruct-2503 (March 2025)"),
    Family("phi-3-mini", PHI3, "<|end|>", ("<|system|>", "<|assistant|>"),
           source="microsoft/Phi-3-mini-4k-instruct after the June 2024 update (as in current GGUFs)"),
    Family("phi-3-mini-2404", PHI3_2404, "<|end|>", ("<|user|>", "<|assistant|>"), folds_system=True,
           source="microsoft/Phi-3-mini-4k-instruct, first release (April 2024): drops the system turn"),
    Family("phi-3.5-mini", PHI35, "<|end|>", ("<|system|>", "<|assistant|>"),
           source="microsoft/Phi-3.5-mini-instruct (August 2024)"),
    Family("phi-4-mini", PHI4_MINI, "<|end|>", ("<|system|>", "<|assistant|>"),
           source="microsoft/Phi-4-mini-instruct (February 2025)"),
    Family("gemma-2-it", GEMMA2, "<end_of_turn>", ("<start_of_turn>user\n", "<start_of_turn>model\n"), folds_system=True,
           source="google/gemma-2-2b-it (July 2024; the same template in 9b/27b): rejects a system turn"),
    Family("gemma-3-it", GEMMA3_TEMPLATE, "<end_of_turn>", ("<start_of_turn>user\n", "<start_of_turn>model\n"),
           source="google/gemma-3-270m-it and the other Gemma 3 sizes (2025 template with text and image content)"),
    Family("granite-3", GRANITE3, "<|end_of_text|>", ("<|start_of_role|>system<|end_of_role|>", "<|start_of_role|>assistant<|end_of_role|>"),
           source="ibm-granite/granite-3.1-1b-a400m-instruct (Granite 3.1, December 2024; tools, documents, controls)"),
    Family("deepseek-r1-distill", DEEPSEEK_R1_DISTILL, "<｜end▁of▁sentence｜>", ("<｜User｜>", "<｜Assistant｜><think>"), thinks=True,
           source="deepseek-ai/DeepSeek-R1-Distill-Qwen-32B and -Llama-8B after the February 2025 update (<think> opened)"),
    Family("smollm2", SMOLLM2, "<|im_end|>", ("<|im_start|>system\n", "<|im_start|>assistant\n"),
           source="HuggingFaceTB/SmolLM2-135M-Instruct (the same template in 360M and 1.7B)"),
    Family("exaone-3.5", EXAONE35, "[|endofturn|]", ("[|system|]", "[|assistant|]"),
           source="LGAI-EXAONE/EXAONE-3.5-7.8B-Instruct (December 2024; the same template in 2.4B and 32B)"),
    Family("chatml-no-template", None, "<|im_end|>", ("<|im_start|>system\n", "<|im_start|>assistant\n"), has_chatml_tokens=True,
           source="none: a model file without tokenizer.chat_template whose vocabulary has <|im_start|>"),
]  # fmt: skip
