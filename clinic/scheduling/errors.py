"""Why a booking was refused. Views show `str(error)` to the user; nothing is saved."""


class SchedulingError(ValueError):
    """A booking or change that breaks a scheduling rule; the message says which and why."""


class SlotTaken(SchedulingError):
    """Someone else holds the provider's or the room's time (another booking won the race)."""

    def __init__(self, message: str = "That slot was just taken. Please choose another time.") -> None:
        super().__init__(message)


class PatientBusy(SlotTaken):
    """The patient already has an appointment at that time (with any provider, in any room)."""

    def __init__(
        self, message: str = "The patient already has an appointment at that time. Please choose another time."
    ) -> None:
        super().__init__(message)
