"""One error type per failure family; every message names the file (or sample) and the problem."""


class SignptError(Exception):
    """Base class of all signpt errors."""


class PoseFormatError(SignptError):
    """A pose file or array is unreadable, inconsistent, or in an unknown layout."""


class CorpusError(SignptError):
    """A corpus directory, shard or manifest is missing, corrupt or inconsistent."""


class CurationError(SignptError):
    """A recipe, annotation file or source cannot be curated."""


class ConfigError(SignptError):
    """A configuration file or override is invalid."""


class CheckpointError(SignptError):
    """A checkpoint is missing, corrupt or does not match the model."""
