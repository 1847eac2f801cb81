"""A library's allocation file (``ledger/allocation.yaml``, ``abc-costing-allocation/1``).

The file says which files hold a period's ledger, driver quantities, volumes and
revenue, which accounts and cost centres the ledger may use, which receivers are
support centres, which pools exist beside the resource catalogue's, and the
rules that send the ledger's money to them (issue 13)::

    format: abc-costing-allocation/1
    currency: RUB
    ledger: osv_2026.csv
    drivers: drivers.csv
    support_centres: {it: "ИТ-отдел"}
    rules:
      - id: legal_payroll
        cost_centre: Юридический отдел
        basis: percent
        shares: {lawyer: 100}

It lives in the library's ``ledger/`` folder (:data:`ALLOCATION_FOLDER`), which
the model reader skips (:func:`abc_costing.formats.yaml_model.model_files`).

Problems come all at once and name the file and line: each broken rule gives its
own problems, with the rule's id as their element (``rules[3]`` for a rule
without one), and the valid rules are not hidden by a broken one.

Examples
--------
>>> setup, problems = parse_allocation_text('''
... format: abc-costing-allocation/1
... accounts: ["26"]
... rules:
...   - {id: legal, cost_centre: Юридический отдел, basis: percent, shares: {lawyer: 100}}
...   - {id: tax, cost_centre: Налоговый отдел, basis: percent, shares: {lawyer: 120}}
... ''', name="allocation.yaml")
>>> setup, [str(p) for p in problems]
(None, ["allocation.yaml:6: tax: rule 'tax' sends 120 % of a line; at most 100 %"])
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from abc_costing.i18n import N_, Message
from abc_costing.model import ALLOCATION_FORMAT, AllocationRule, AllocationSetup, LedgerLine
from abc_costing.problems import Count, Problem, cut, listed, quoted

__all__ = ["ALLOCATION_FOLDER", "ALLOCATION_NAME", "ledger_code_problems", "library_allocation",
           "parse_allocation_text", "read_allocation"]

#: The library's folder of the allocation file and the period's files (not a process).
ALLOCATION_FOLDER = "ledger"
#: The allocation file's name in that folder.
ALLOCATION_NAME = "allocation.yaml"


def library_allocation(library_dir: str | Path) -> Path | None:
    """The allocation file of a library (``ledger/allocation.yaml``), or None without one.

    >>> library_allocation("process_models")
    PosixPath('process_models/ledger/allocation.yaml')
    >>> library_allocation("no-such-library") is None
    True
    """
    path = Path(library_dir) / ALLOCATION_FOLDER / ALLOCATION_NAME
    return path if path.is_file() else None


def read_allocation(path: str | Path, *, name: str | None = None
                    ) -> tuple[AllocationSetup | None, list[Problem]]:
    """Read and check an allocation file; problems name ``name`` (default: the path).

    A missing, unreadable, oversized or non-UTF-8 file is one problem; nothing raises.

    >>> setup, problems = read_allocation("process_models/ledger/allocation.yaml")
    >>> setup.ledger, problems
    ('osv_2026.csv', [])
    """
    from abc_costing.formats.yaml_model import read_library_file

    return read_library_file(path, name=name, what=N_("allocation files"),
                             parse=lambda text, source, _: parse_allocation_text(text,
                                                                                 name=source))


def parse_allocation_text(text: str, *, name: str = ALLOCATION_NAME
                          ) -> tuple[AllocationSetup | None, list[Problem]]:
    """Parse an allocation file's text: the setup (None with an error) and every problem.

    >>> parse_allocation_text("format: abc-costing-allocation/1\\nrules: []\\n",
    ...                       name="a.yaml")[1][0].message
    'rules: must list at least one rule'
    """
    from abc_costing.formats.yaml_model import parse_library_file, with_lines

    data, problems = parse_library_file(text, name=name, format=ALLOCATION_FORMAT,
                                        kind=N_("an allocation file"),
                                        fields="format, ledger, drivers, rules, ...")
    if data is None:
        return None, problems
    raw_rules = data.get("rules")
    rules: list[AllocationRule] = []
    broken: list[Problem] = []  # of single rules
    across: list[Problem] = []  # of the whole file: repeated ids, a centre that is a pool
    if isinstance(raw_rules, list):
        for index, rule in enumerate(raw_rules):
            record, rule_problems = _rule(index, rule)
            broken += rule_problems
            if record is not None:
                rules.append(record)
        across += _repeated_ids(raw_rules)
    across += _centres_that_are_pools(data)
    found = broken + across
    # The rules as records (each checked once, above); a 'rules' that is not a list
    # goes as written, for the records to say what it should be.
    whole = {**data, "rules": rules} if isinstance(raw_rules, list) else data
    try:
        setup = AllocationSetup.model_validate(whole)
    except ValidationError as err:
        for error in err.errors(include_url=False):
            loc = error["loc"]
            # Said already, with their lines: a rule's own problems (the rules left
            # after them may then be none at all) and the checks across the file.
            if (broken and loc[:1] == ("rules",)) or (across and not loc):
                continue
            found.append(_setup_problem(error, data))
        return None, with_lines(found, text, file=name)
    if found:  # a broken rule was left out: the setup must not run without it
        return None, with_lines(found, text, file=name)
    return setup, []


def _rule(index: int, rule: Any) -> tuple[AllocationRule | None, list[Problem]]:
    """One rule's record, or its problems (element: its id, or ``rules[3]``)."""
    from abc_costing.formats.yaml_model import field_problem

    rule_id = rule.get("id") if isinstance(rule, dict) else None
    element = cut(rule_id) if isinstance(rule_id, str) and rule_id else f"rules[{index}]"
    if not isinstance(rule, dict):
        return None, [Problem(N_("a rule is a mapping (id, cost_centre, to, basis, ...), got "
                                 "{value}", value=quoted(rule)), element=element,
                              path=("rules", index))]
    try:
        return AllocationRule.model_validate(rule), []
    except ValidationError as err:
        problems = []
        for error in err.errors(include_url=False):
            # Read as if the rule were the document: its field names the problem.
            said = field_problem(error, rule)
            message = N_("{field}: {message}", field=said.element, message=said.message) \
                if said.element else said.message
            problems.append(Problem(message, element=element,
                                    path=("rules", index, *said.path)))
        return None, problems


def _repeated_ids(rules: Sequence[Any]) -> list[Problem]:
    """A problem at each rule whose id an earlier rule already has."""
    first: dict[str, int] = {}
    problems = []
    for index, rule in enumerate(rules):
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if not isinstance(rule_id, str):
            continue
        if rule_id in first:
            problems.append(Problem(
                N_("rule id {rule} is used twice (first by rules[{first}]); each rule needs "
                   "its own id: the stage balance shows one row per rule", rule=quoted(rule_id),
                   first=first[rule_id]),
                element=cut(rule_id), path=("rules", index, "id")))
        else:
            first[rule_id] = index
    return problems


def _centres_that_are_pools(data: dict[str, Any]) -> list[Problem]:
    centres, pools = data.get("support_centres"), data.get("pools")
    if not isinstance(centres, dict) or not isinstance(pools, dict):
        return []
    return [Problem(N_("{names} is both a support centre and a pool; a support centre's "
                       "money is spread by its rules, a pool's goes to activities: give them "
                       "different ids", names=quoted(key)), element=cut(str(key)),
                    path=("pools", key))
            for key in pools if key in centres]


def _setup_problem(error: Any, data: dict[str, Any]) -> Problem:
    """A problem of the file's own fields (format, files, codes, centres, pools)."""
    from abc_costing.formats.yaml_model import field_problem

    if error["loc"] == ("rules",) and error["type"] == "too_short":
        return Problem(N_("rules: must list at least one rule"), element="rules",
                       path=("rules",))
    return field_problem(error, data)


def ledger_code_problems(lines: Iterable[LedgerLine], setup: AllocationSetup, *, file: str
                         ) -> list[Problem]:
    """Ledger lines on an account or cost centre the allocation file does not list.

    Only when the file lists them (``accounts``, ``cost_centres``). One error per
    unknown code, at its first row, saying how many rows have it, which codes
    are known and the nearest one.

    >>> setup = AllocationSetup.model_validate({
    ...     "format": "abc-costing-allocation/1", "accounts": ["26", "44"],
    ...     "rules": [{"id": "all", "basis": "percent", "shares": {"p": 100}}]})
    >>> lines = [LedgerLine(period="2026-01", account=a, cost_centre="ИТ", cost_item="x",
    ...                     amount=1.0, row=r) for r, a in ((2, "26"), (3, "91"), (4, "91"))]
    >>> [str(p) for p in ledger_code_problems(lines, setup, file="osv.csv")]
    ["osv.csv:3: account: account '91' is not listed in the allocation file (2 rows; \
accounts: 26, 44)"]
    """
    lines = list(lines)
    problems = []
    for field, known, what in (("account", setup.accounts, N_("accounts")),
                               ("cost_centre", setup.cost_centres, N_("cost centres"))):
        if known is not None:
            problems += _unknown_codes(lines, set(known), field=field, what=what, file=file)
    return sorted(problems, key=lambda p: (p.line or 0, p.element or ""))


def account_within(account: str, accounts: Iterable[str]) -> bool:
    """Whether ``account`` is one of ``accounts`` or a sub-account of one (1С writes
    ``44.01`` and ``44.02`` under ``44``; ``20.01`` under ``20``).

    >>> account_within("44.01", ["44"]), account_within("440", ["44"])
    (True, False)
    """
    return any(account == parent or account.startswith(parent + ".") for parent in accounts)


def _unknown_codes(lines: Sequence[LedgerLine], known: set[str], *, field: str,
                   what: Message, file: str) -> list[Problem]:
    rows: dict[str, list[int | None]] = {}
    for line in lines:
        code = getattr(line, field)
        if code not in known and not (field == "account" and account_within(code, known)):
            rows.setdefault(code, []).append(line.row)
    ordered = sorted(known)
    problems = []
    for code, found in rows.items():
        near = difflib.get_close_matches(code, ordered, n=1, cutoff=0.7)
        count = (N_("{count:,} row", count=Count(1)) if len(found) == 1
                 else N_("{count:,} rows", count=Count(len(found))))
        name = N_("account") if field == "account" else N_("cost centre")
        problems.append(Problem(
            N_("{field} {code} is not listed in the allocation file ({count}; {what}: "
               "{known}); did you mean {near}?", field=name, code=quoted(code), count=count,
               what=what, known=listed(ordered), near=quoted(near[0])) if near else
            N_("{field} {code} is not listed in the allocation file ({count}; {what}: "
               "{known})", field=name, code=quoted(code), count=count, what=what,
               known=listed(ordered)), element=field, file=file, line=found[0]))
    return problems


def allocation_lines(path: str | Path) -> dict[str, int]:
    """The line of each rule (by id) and support centre of an allocation file, for
    problems found later (a driver that sums to 0); empty when it cannot be read.

    >>> lines = allocation_lines("process_models/ledger/allocation.yaml")
    >>> lines["rent"] < lines["it_costs"], "it" in lines
    (True, True)
    """
    from abc_costing.formats.yaml_model import line_index, parse_yaml_data

    try:
        text = Path(path).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    data, _ = parse_yaml_data(text)
    if not isinstance(data, dict):
        return {}
    rules: list[Any] = data["rules"] if isinstance(data.get("rules"), list) else []
    centres: dict[Any, Any] = (data["support_centres"]
                               if isinstance(data.get("support_centres"), dict) else {})
    wanted = {**{str(rule["id"]): ("rules", i) for i, rule in enumerate(rules)
                 if isinstance(rule, dict) and "id" in rule},
              **{str(centre): ("support_centres", centre) for centre in centres}}
    found = line_index(text, list(wanted.values()))
    return {name: found[where] for name, where in wanted.items() if where in found}
