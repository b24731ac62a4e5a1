"""Names of things that may follow one another: the first keeps its name, the next ones are
numbered after it (a project code taken twice, a contract after a terminated one, a contractor
selection after an archived one)."""


def nth_of(base: str, number: int, *, max_length: int) -> str:
    """The ``number``-th of a series named after ``base``: ``base`` for the first, then
    ``base-2``, ``base-3``…; ``base`` is cut so that the whole fits in ``max_length``."""
    if number <= 1:
        return base[:max_length]
    suffix = f"-{number}"
    return base[: max_length - len(suffix)] + suffix
