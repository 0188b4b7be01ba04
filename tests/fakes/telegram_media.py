"""Photos in the fake Bot API: the file ids Telegram issues for them, and sendPhoto.

`Photos` is a component of `FakeBotApi` (as `api.photos`): its `METHODS` join the dispatch table, and
the driver's `send_photo` issues file ids through it. Telegram stores a photo in several sizes, each
with its own file id; a bot may send any of them again. The fake stores no image data, so a photo
given by HTTP URL is refused like an unknown file id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from tests.fakes.telegram_text import parse_caption
from tests.fakes.telegram_types import JsonDict, bad_request

if TYPE_CHECKING:
    from tests.fakes.telegram_api import FakeBotApi

WRONG_FILE_ID = "wrong file identifier/HTTP URL specified"
# (suffix of the file id, width, height), smallest first as in Message.photo; the largest has no suffix.
_SIZES = (("-s", 90, 68), ("-m", 320, 240), ("", 1280, 960))


@dataclass(frozen=True)
class PhotoSize:
    """One stored size of a photo."""

    file_id: str
    file_unique_id: str
    width: int
    height: int

    def to_api(self) -> JsonDict:
        """Return the Bot API PhotoSize object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
        }


class Photos:
    """The photos Telegram knows for this bot, by file id, and the sendPhoto method."""

    # Canonical method name → implementation attribute of this component.
    METHODS: ClassVar[dict[str, str]] = {"sendPhoto": "send_photo"}

    def __init__(self, api: FakeBotApi) -> None:
        self._api = api
        self._families: dict[str, tuple[PhotoSize, ...]] = {}  # file id of any size → all sizes
        self._next = 1

    def issue(self, file_id: str | None = None) -> str:
        """Store a photo in every size and return the largest size's file id ("AgAC-fake-0001", ...).

        A given file id that is already known stands for the same photo sent again.
        """
        if file_id is not None and file_id in self._families:
            return file_id
        number = self._next
        self._next += 1
        base = file_id or f"AgAC-fake-{number:04d}"
        family = tuple(
            PhotoSize(f"{base}{suffix}", f"AQAD-fake-{number:04d}{suffix}", width, height)
            for suffix, width, height in _SIZES
        )
        for size in family:
            self._families[size.file_id] = family
        return base

    def sizes(self, file_id: str) -> list[JsonDict]:
        """Return Message.photo for a photo sent as this file id: every size up to it, largest last."""
        family = self._families[file_id]
        last = next(i for i, size in enumerate(family) if size.file_id == file_id)
        return [size.to_api() for size in family[: last + 1]]

    # ----------------------------------------------------------------- Bot API methods

    def send_photo(self, params: JsonDict) -> JsonDict:
        """sendPhoto: a known file id or an upload, a caption of at most 1024 characters; as sendMessage."""
        api = self._api
        chat = api._target_chat(params)
        file_id = self._photo_param(params)
        return api._post(chat, params, parse_caption(params), photo=file_id)

    def _photo_param(self, params: JsonDict) -> str:
        value = params.get("photo")
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))  # aiogram's multipart upload
        if isinstance(value, dict):
            return self.issue()  # an uploaded file (see read_params) is stored under a new file id
        if value is None or value == "":
            raise bad_request("there is no photo in the request")
        if not isinstance(value, str) or value not in self._families:
            raise bad_request(WRONG_FILE_ID)
        return value
