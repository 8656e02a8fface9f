"""One vocabulary for how a computation ended: :class:`Status`.

Every result object of the engine -- :class:`.newton.NewtonResult`, :class:`.rootfind.RootResult`,
:class:`.branch.Event`, :class:`.branch.Branch` (its end), :class:`.refine.RefinedPoint` -- and
of the API (``spurious.results``, ``cases.family.SolveResult``) carries ``status`` (a
:class:`Status`), ``success`` (``status.success``) and ``message`` (one human line: the
status's default :attr:`Status.message` or something more specific). A numerical failure is
a status, never an exception; only bad *input* raises (``ValueError``/``TypeError``).

``Status`` is a ``str`` enum: a member compares equal to its value (``Status.CONVERGED ==
"converged"``), ``str()`` and ``format()`` give the value, and ``json.dumps`` writes the value,
so files and JSON outputs hold the plain strings (``"converged"``, ``"precision
disagreement"``, ...). :meth:`Status.of` turns such a string back into the member.

Where each value is produced:

=========================  ===========================================================  =======
value                      produced by                                                  success
=========================  ===========================================================  =======
``converged``              Newton, the root finder, an event location, a refinement       yes
``bound reached``          a branch that landed exactly on ``d_min`` or ``d_max``         yes
``max iterations``         Newton or the root finder hit its iteration cap                no
``singular``               Newton: the (bordered) Jacobian could not be solved            no
``evaluation failed``      the problem raised an arithmetic/value error or returned a     no
                           non-finite value (Newton, an event's corrector trial, a
                           refinement's test function)
``not bracketed``          root finder/refinement: the same sign at both ends             no
``precision disagreement`` refinement: fewer than the requested digits agree at the       no
                           two working precisions
``step too small``         a branch: the step fell below ``ds_min``                      no
``domain exit``            a branch: the problem's ``domain`` rejected the next point    no
``max steps``              a branch: ``max_steps`` accepted steps                        no
``start failed``           a branch: no admissible start point (outside the bounds,       no
                           Newton failed there, or outside the domain)
``unfinished``             a branch still being continued, or stopped by its caller       no
``failed``                 an aggregate (``spurious.api.refine_case``): some of its       no
                           parts failed; the message lists them with their statuses
=========================  ===========================================================  =======

A branch whose landing on its bound failed ends with that Newton's status (``max
iterations``, ``singular`` or ``evaluation failed``).
"""
from enum import Enum

__all__ = ["Status"]


class Status(str, Enum):
    """How a computation ended (see the module docstring for where each value arises)."""

    CONVERGED = "converged"
    BOUND_REACHED = "bound reached"
    MAX_ITERATIONS = "max iterations"
    SINGULAR = "singular"
    EVALUATION_FAILED = "evaluation failed"
    NOT_BRACKETED = "not bracketed"
    PRECISION_DISAGREEMENT = "precision disagreement"
    STEP_TOO_SMALL = "step too small"
    DOMAIN_EXIT = "domain exit"
    MAX_STEPS = "max steps"
    START_FAILED = "start failed"
    UNFINISHED = "unfinished"
    FAILED = "failed"

    @property
    def success(self):
        """``True`` for ``converged`` and ``bound reached``."""
        return self in _SUCCESS

    @property
    def message(self):
        """A default one-line description (results usually give a more specific one)."""
        return _MESSAGES[self]

    @classmethod
    def of(cls, value):
        """The member for ``value`` (a member or its string value); ``ValueError`` otherwise."""
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(repr(s.value) for s in cls)
            raise ValueError(f"unknown status {value!r} (one of {known})") from None

    def __str__(self):
        return self.value

    def __format__(self, spec):
        return format(self.value, spec)

    def __repr__(self):
        return f"Status.{self.name}"


_SUCCESS = frozenset({Status.CONVERGED, Status.BOUND_REACHED})

_MESSAGES = {
    Status.CONVERGED: "converged",
    Status.BOUND_REACHED: "reached the bound of the range in d",
    Status.MAX_ITERATIONS: "the iteration limit was reached without convergence",
    Status.SINGULAR: "the Jacobian is singular",
    Status.EVALUATION_FAILED: "the problem could not be evaluated (an error or a non-finite value)",
    Status.NOT_BRACKETED: "the function has the same sign at both ends of the bracket",
    Status.PRECISION_DISAGREEMENT: "fewer than the requested digits agree between the two working precisions",
    Status.STEP_TOO_SMALL: "the step fell below the minimal step length",
    Status.DOMAIN_EXIT: "the branch left the problem's domain",
    Status.MAX_STEPS: "the maximal number of steps was reached",
    Status.START_FAILED: "the branch could not start",
    Status.UNFINISHED: "not finished",
    Status.FAILED: "some parts of the computation failed",
}
