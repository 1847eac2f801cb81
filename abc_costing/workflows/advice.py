"""Ask the advisor what to change in one process: one function per user action.

Examples
--------
>>> advised = advise_file("process_models/contract_approval/as_is.yaml", top=3)
>>> advised.advice is not None and len(advised.advice.ranked) > 0
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from abc_costing.access import AccessDenied, User, require
from abc_costing.advisor import Advice, AdviceSettings, advise, settings_from_advice
from abc_costing.advisor.ranking import describe
from abc_costing.engine.capacity import months_short_after_release
from abc_costing.formats import load_library, parse_yaml_data
from abc_costing.formats.advice_file import advice_path_for, read_advice
from abc_costing.formats.catalogue import catalogue_beside, catalogue_path_for
from abc_costing.i18n import N_, Language, Message, translate
from abc_costing.model import ProcessModel
from abc_costing.problems import ModelError, Problem, has_errors
from abc_costing.store.edits import Edit
from abc_costing.store.model_edits import UnsavableChangeError, model_edits
from abc_costing.workflows.costing import _problems_of, calendar_year_of, read_model_file
from abc_costing.workflows.editing import (
    EditPreview,
    SaveOutcome,
    load_for_editing,
    save_as_variant,
)
from abc_costing.workflows.library import Library, error_message

__all__ = ["Advised", "ChosenMove", "advise_file", "chosen_move", "move_diff",
           "apply_move_as_variant", "COMBINED"]


@dataclass(frozen=True)
class Advised:
    """The advisor's answer for one model file.

    Attributes:
      model: the model (None when the file has errors).
      advice: the ranked moves, those refused and the combined ones (None when the
        model could not be advised).
      problems: what was wrong with the file or its library.
    """

    model: ProcessModel | None
    advice: Advice | None
    problems: tuple[Problem, ...]


def advise_file(path: str | Path, *, top: int | None = 10,
                can_do: Mapping[str, Sequence[str]] | None = None,
                settings: AdviceSettings | None = None,
                library_dir: str | Path | None = None,
                advice: str | Path | None = None, use_advice: bool = True) -> Advised:
    """Read one model file and rank every move the advisor can make on it.

    What the analyst knows (automation offers, who may do what, risks, new branch
    probabilities, shorter ways) comes from the advice file beside the model
    (``advice.yaml``, :mod:`abc_costing.formats.advice_file`), or from ``advice``
    when given; ``use_advice=False`` ignores it (``settings`` is used as given).
    Its problems are the file's: with an error, nothing is advised.

    ``can_do`` (labour pool -> the pools that may take over its tasks) adds the
    moves of a task to a cheaper pool to ``settings`` (by default none: see
    :class:`~abc_costing.advisor.AdviceSettings`). A pool it names that the model
    does not have is a warning.

    The other processes of ``library_dir`` (by default the library of the
    ``resources.yaml`` the file uses, else none) load the shared pools in the
    capacity guard and in the cash saving. ``top``: how many moves get their
    cash saving worked out.
    """
    model, problems = read_model_file(path)
    if model is None:
        return Advised(None, None, problems)
    settings = settings or AdviceSettings()
    advice_path = (Path(advice) if advice is not None else advice_path_for(path)) \
        if use_advice else None
    if advice_path is not None:
        loaded, _ = catalogue_beside(path)
        resources = {} if loaded is None else dict(loaded.catalogue.pools)
        known, found = read_advice(advice_path, model=model, library_resources=resources)
        problems += tuple(found)
        if known is None or has_errors(found):
            return Advised(model, None, problems)
        settings = replace(settings_from_advice(known, resources=resources),
                           max_steps=settings.max_steps)
    if can_do:
        unknown = sorted({p for pool, others in can_do.items() for p in (pool, *others)}
                         - set(model.resources))
        if unknown:
            problems += (Problem(N_("--can-do names pools {pools} that {process} does not use",
                                    pools=", ".join(unknown), process=model.process),
                                 element="can_do", severity="warning"),)
        settings = replace(settings, can_do={**settings.can_do, **can_do})
    if library_dir is None:
        catalogue = catalogue_path_for(path)
        library_dir = None if catalogue is None else catalogue.parent
    library: list[tuple[Path, ProcessModel]] = []
    if library_dir is not None:
        models, _ = load_library(library_dir)
        library = list(models)
    try:
        ranked = advise(model, settings=settings, library=library, top=top)
    except ModelError as error:
        return Advised(model, None, problems + _problems_of(error, file=str(path)))
    return Advised(model, ranked, problems + _short_after_release(ranked, library))


def _short_after_release(advice: Advice, library: Sequence[tuple[Path, ProcessModel]]
                         ) -> tuple[Problem, ...]:
    """The months of the production calendar in which the people the combined moves
    release would be missed (as ``compare`` warns): a pool's average month may free a
    person that a long month still needs."""
    if advice.combined is None or not advice.combined.releases:
        return ()
    return tuple(months_short_after_release(
        advice.combined.releases,
        year=calendar_year_of([advice.model, *(m for _, m in library)])))


#: The number that chooses the moves combined (the ranked moves are numbered from 1).
COMBINED = 0


@dataclass(frozen=True)
class ChosenMove:
    """One move of an advice (or the moves combined), as the analyst picked it.

    Attributes:
      number: its rank in the advice's table, or :data:`COMBINED`.
      description: what it does, in words (marked for translation).
      assumptions: what its saving rests on.
      model: the model after it.
    """

    number: int
    description: Message
    assumptions: tuple[Message, ...]
    model: ProcessModel

    def reason(self, language: Language) -> str:
        """What the change log records as the reason of saving it, in ``language``."""
        said = translate(self.description, language)
        if not self.assumptions:
            return said
        return translate(N_("{move}; assumptions: {assumptions}", move=self.description,
                            assumptions="; ".join(translate(a, language)
                                                  for a in self.assumptions)), language)


def chosen_move(advice: Advice, number: int) -> ChosenMove | None:
    """Move ``number`` of ``advice`` (its rank, from 1; the moves that only shorten the
    cycle continue the numbering after the ranked ones), or the moves combined for
    :data:`COMBINED`; None when there is no such move.

    >>> from abc_costing import load_model
    >>> from abc_costing.advisor import advise
    >>> advice = advise(load_model("tests/data/knockout_checks.yaml"))
    >>> chosen_move(advice, 1).description == advice.ranked[0].move.description
    True
    >>> chosen_move(advice, COMBINED).model == advice.combined_model, chosen_move(advice, 99)
    (True, None)
    """
    if number == COMBINED:
        if not advice.sequence:
            return None
        assumptions = tuple(dict.fromkeys(a for step in advice.sequence
                                          for a in step.move.assumptions))
        return ChosenMove(COMBINED, describe(advice), assumptions, advice.combined_model)
    # the moves that only shorten the cycle ("Faster, same cost") continue the numbering
    moves = [r.move for r in (*advice.ranked, *advice.faster)]
    if not 1 <= number <= len(moves):
        return None
    move = moves[number - 1]
    return ChosenMove(number, move.description, move.assumptions, move.model)


def move_diff(path: str | Path, advice: Advice, number: int
              ) -> tuple[ChosenMove | None, tuple[Edit, ...], tuple[Problem, ...]]:
    """Move ``number`` of the advice on the model file ``path``, and its readable diff:
    the edits that turn the file into the moved model (element, field, old -> new).

    >>> advised = advise_file("tests/data/knockout_checks.yaml")
    >>> chosen, edits, problems = move_diff("tests/data/knockout_checks.yaml",
    ...                                     advised.advice, 1)
    >>> first = edits[-1]  # the list's edits go from its end back
    >>> first.element, first.field, first.old_text, first.new_text, problems
    ('flows[0]', 'flow', '[start, kyc]', '[start, docs]', ())
    """
    chosen = chosen_move(advice, number)
    if chosen is None:
        return None, (), (Problem(N_("there is no move {number}: the moves are numbered 1 to "
                                     "{count}, and 0 is the moves combined", number=number,
                                     count=len(advice.ranked))),)
    try:
        text = Path(path).read_text("utf-8-sig")
    except OSError as error:
        return chosen, (), (Problem(error_message(error), file=str(path)),)
    data, problems = parse_yaml_data(text)
    if data is None:
        return chosen, (), tuple(problems)
    loaded_catalogue, _ = catalogue_beside(path)
    pools = loaded_catalogue.catalogue.pools if loaded_catalogue is not None else {}
    try:
        edits = model_edits(data, advice.model, chosen.model, catalogue=pools)
    except UnsavableChangeError as error:
        return chosen, (), (Problem(str(error), file=str(path)),)
    return chosen, tuple(edits), ()


def apply_move_as_variant(library: Library, advice: Advice, number: int, *, variant: str,
                          title: str, user: User, language: Language = "en") -> SaveOutcome:
    """Save the model after move ``number`` of ``advice`` as a new variant beside the
    advised one, through the normal save path: the same name and title checks as the Edit
    page, the file and its change-log entries written together, the reason the move's
    description and assumptions (in ``language``). Needs the ``edit`` right; refused
    when the advised file changed since the advice.
    """
    try:
        require(user, "edit")
    except AccessDenied as error:
        return SaveOutcome(None, None, (Problem(error_message(error)),))
    model = advice.model
    loaded = load_for_editing(library, model.process, model.variant)
    if loaded.model is None:
        return SaveOutcome(None, loaded.label, loaded.problems)
    if loaded.model != model:
        return SaveOutcome(None, loaded.label, (Problem(N_(
            "{file} changed since the advice was made; ask the advisor again",
            file=loaded.label), file=loaded.label),))
    chosen, edits, problems = move_diff(loaded.path, advice, number)
    if chosen is None or problems:
        return SaveOutcome(None, loaded.label, problems)
    preview = EditPreview(edits, (), loaded.result, None)
    return save_as_variant(loaded, preview, variant=variant, title=title, user=user,
                           library=library, reason=chosen.reason(language))
