"""Why a booking was refused. Views show `str(error)` to the user; nothing is saved."""


class SchedulingError(ValueError):
    """A booking or change that breaks a scheduling rule; the message says which and why."""


class SlotTaken(SchedulingError):
    """Someone else holds the provider's or the room's time (another booking won the race)."""

    def __init__(self, message: str = "That slot was just taken. Please choose another time.") -> None:
        super().__init__(message)
