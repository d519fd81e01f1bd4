"""Answering: questions to grounded, cited answers, and the chats that keep them.

Owns prompting (sources into a prompt the model's chat template renders), the relevance gate and
citation mapping (grounding), the question → answer flow (answering), the types of an answer and a
saved turn (results), saved conversations and their Markdown export.

May import: the core's top-level modules (types, errors, paths, config), ``index`` (the store and
its analyser), ``models`` (the LLM). Knows nothing of ``ingest``, ``search`` (it gets a search
function), the engine or any UI.
"""
