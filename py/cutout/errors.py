"""Errors a user can act on. Every failure names its reason in plain words."""


class CutoutError(Exception):
    """Base class: `code` is stable for programs, the message is for people."""

    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnsupportedFormat(CutoutError):
    code = "unsupported-format"


class CorruptImage(CutoutError):
    code = "corrupt-image"


class ImageTooLarge(CutoutError):
    code = "image-too-large"


class ModelUnavailable(CutoutError):
    code = "model-unavailable"


class BackendFailure(CutoutError):
    """The accelerator failed; the caller may retry the job on a safer backend."""

    code = "backend-failure"


class EncodeFailure(CutoutError):
    code = "encode-failure"


class Cancelled(CutoutError):
    code = "cancelled"
