"""The empty RQ job the outbox benchmark times, in a module of its own: RQ's forking worker imports the
job's module afresh in every work horse, so it must import nothing."""


def noop() -> None:
    """Does nothing: what is left is RQ's own cost per job."""
