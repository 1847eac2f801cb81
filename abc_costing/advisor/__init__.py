"""The redesign advisor: every applicable move of a process, costed exactly and ranked.

A layer above the engine, the comparison and capacity, below the portfolio and
the reports: :mod:`~abc_costing.advisor.moves` (each move a pure function model ->
model, with its description and assumptions), :mod:`~abc_costing.advisor.knockout`
(chains of knock-out checks in their cheapest order), :mod:`~abc_costing.advisor.parallel`
(tasks side by side, ranked by cycle time), :mod:`~abc_costing.advisor.tiers` (classes
of instances routed each their own way),
:mod:`~abc_costing.advisor.evaluation` (moved models costed in memory) and
:mod:`~abc_costing.advisor.ranking` (guards, ranking, combined moves).
"""

from abc_costing.advisor.evaluation import CompiledModel, Evaluation
from abc_costing.advisor.knockout import KnockoutChain, knockout_chains, knockout_moves
from abc_costing.advisor.moves import (
    AutomationOffer,
    Move,
    MoveKind,
    automate,
    eliminate,
    merge,
    reassign,
    rebranch,
    shortcut,
)
from abc_costing.advisor.parallel import parallelise, parallelise_moves
from abc_costing.advisor.ranking import (
    Advice,
    AdviceSettings,
    RankedMove,
    RejectedMove,
    advise,
    candidate_moves,
    settings_from_advice,
)
from abc_costing.advisor.tiers import triage

__all__ = ["Advice", "AdviceSettings", "AutomationOffer", "CompiledModel", "Evaluation",
           "KnockoutChain", "Move", "MoveKind", "RankedMove", "RejectedMove", "advise",
           "automate", "candidate_moves", "eliminate", "knockout_chains", "knockout_moves",
           "merge", "parallelise", "parallelise_moves", "reassign", "rebranch",
           "settings_from_advice", "shortcut", "triage"]
