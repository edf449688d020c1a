"""Wire constants of the NemoVideo agent API (see PROTOCOL.md), shared by the client and the local backend.

This module is the one place that names paths, headers, error codes and limits. It imports nothing
from the rest of the package, so both `client/` and `local/` may depend on it.
"""

from __future__ import annotations

# --- configuration (environment variables and their defaults) -------------------------------
ENV_TOKEN = "NEMO_TOKEN"
ENV_API_URL = "NEMO_API_URL"
ENV_WEB_URL = "NEMO_WEB_URL"
ENV_CLIENT_ID = "NEMO_CLIENT_ID"
ENV_SKILL_SOURCE = "SKILL_SOURCE"
ENV_CONFIG_DIR = "NEMO_CONFIG_DIR"  # local choice: where client_id and the token cache live

DEFAULT_API_URL = "https://mega-api-prod.nemovideo.ai"
DEFAULT_WEB_URL = "https://nemovideo.com"

TOKEN_PREFIX = "nmv_usr_"
CLAIM_PREFIX = "clm_"

# --- headers ----------------------------------------------------------------------------------
HEADER_CLIENT_ID = "X-Client-Id"
HEADER_SKILL_SOURCE = "X-Skill-Source"
HEADER_SKILL_VERSION = "X-Skill-Version"
HEADER_SKILL_PLATFORM = "X-Skill-Platform"
SKILL_SOURCE = "nemo-jupyter"

# --- agent identity ---------------------------------------------------------------------------
APP_NAME = "nemo_agent"
USER_ID = "me"

# --- endpoints (format with session_id= / render_id=) -----------------------------------------
PATH_ANON_TOKEN = "/api/auth/anonymous-token"
PATH_CREATE_SESSION = "/api/tasks/me/with-session/nemo_agent"
PATH_CLAIM_TOKEN = "/api/auth/claim-token"
PATH_RUN_SSE = "/run_sse"
PATH_UPLOAD = "/api/upload-video/nemo_agent/me/{session_id}"
PATH_CREDITS = "/api/credits/balance/simple"
PATH_STATE = "/api/state/nemo_agent/me/{session_id}/latest"
PATH_RENDER = "/api/render/proxy/lambda"
PATH_RENDER_STATUS = "/api/render/proxy/lambda/{render_id}"
PATH_RENDER_CANCEL = "/api/render/proxy/lambda/{render_id}/cancel"
PATH_RENDER_DOWNLOAD = "/api/render/proxy/{render_id}/download"
WEB_CLAIM_PATH = "/workspace/claim?ct={claim_token}"
WEB_BIND_PATH = "/?bind={client_id}"

UPLOAD_FIELD = "files"

# --- error codes ------------------------------------------------------------------------------
CODE_OK = 0
CODE_TOKEN_INVALID = 1001
CODE_SESSION_NOT_FOUND = 1002
CODE_OUT_OF_CREDITS = 2001
CODE_UNSUPPORTED_FILE = 4001
CODE_FILE_TOO_LARGE = 4002
HTTP_MISSING_CLIENT_ID = 400
HTTP_EXPORT_BLOCKED = 402
HTTP_RATE_LIMITED = 429

# --- uploads ----------------------------------------------------------------------------------
MAX_UPLOAD_BYTES = 500 * 1024 * 1024
VIDEO_EXTENSIONS = ("mp4", "mov", "avi", "webm", "mkv")
IMAGE_EXTENSIONS = ("jpg", "png", "gif", "webp")
AUDIO_EXTENSIONS = ("mp3", "wav", "m4a", "aac")
ACCEPTED_EXTENSIONS = VIDEO_EXTENSIONS + IMAGE_EXTENSIONS + AUDIO_EXTENSIONS
# "jpeg" is the same format as "jpg"; accepting the spelling costs nothing.
EXTENSION_ALIASES = {"jpeg": "jpg"}


def media_kind(filename: str) -> str | None:
    """'video', 'image', 'audio' for an accepted file name, else None."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    ext = EXTENSION_ALIASES.get(ext, ext)
    if ext in VIDEO_EXTENSIONS:
        return "video"
    if ext in IMAGE_EXTENSIONS:
        return "image"
    if ext in AUDIO_EXTENSIONS:
        return "audio"
    return None


# --- draft ------------------------------------------------------------------------------------
TRACK_VIDEO = 0
TRACK_AUDIO = 1
TRACK_TEXT = 7
TRACK_TYPE_NAMES = {TRACK_VIDEO: "video", TRACK_AUDIO: "audio", TRACK_TEXT: "text"}

# --- render -----------------------------------------------------------------------------------
RENDER_PENDING = "pending"
RENDER_PROCESSING = "processing"
RENDER_COMPLETED = "completed"
RENDER_FAILED = "failed"
RENDER_CANCELLED = "cancelled"
RENDER_TERMINAL = (RENDER_COMPLETED, RENDER_FAILED, RENDER_CANCELLED)
QUALITIES = ("draft", "high", "audio", "gif")

# --- stream -----------------------------------------------------------------------------------
STILL_WORKING_AFTER_S = 120.0
HEARTBEAT_TIMEOUT_S = 600.0
TEMPORARY_ISSUE_TEXT = "I encountered a temporary issue"
