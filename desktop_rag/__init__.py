"""desktop-rag: private, on-device retrieval-augmented generation."""

import os as _os

__version__ = "0.1.0"

#: Set (forced, whatever the environment says) before anything imports a library that could
#: reach a hub: this package's __init__ runs first on every path (CLI, window, packaged app).
#: The app works offline by design: no downloads, no telemetry, no update checks.
OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",  # huggingface_hub (and transformers, sentence-transformers through it)
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",  # never send a stored Hugging Face token anywhere
    "DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",  # https://donottrack.sh/, honoured by huggingface_hub and others
}
_os.environ.update(OFFLINE_ENVIRONMENT)
