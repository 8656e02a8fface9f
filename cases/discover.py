"""Discovery: gradient-based training from random starts, then isotropy, canonical form, polish.

``discover(setting, d, runs, workers, seed)`` with ``k = d``, ``V = I``, ``b = 1``:

1. Each run starts from a Xavier-type point (``W_ij ~ N(0, 1/d)``; ``a = 1`` when the second
   layer is fixed, ``a_i ~ N(0, 1)`` when trained), runs L-BFGS (``scipy.optimize``) on the
   closed-form loss and gradient, then at most 10 Newton steps with the full Hessian
   (least squares, since the trainable Hessian is singular along the rescalings) until the
   gradient norm is <= 1e-10. Runs that stay above are counted as not converged.
2. Isotropy up to conjugation. The neurons are first matched to the teacher rows
   (:func:`align_rows`: the loss is invariant under permuting the neurons alone). Then the
   transpositions ``(i j)`` that fix ``(W, a)`` (simultaneous
   row and column swap, within 1e-6) generate the isotropy: if ``(i j)`` and ``(j k)`` fix
   the point so does ``(i k)``, so "``(i j)`` fixes it" is an equivalence relation whose
   classes are the blocks (union-find over pairs with equal diagonal and ``a`` values).
   Canonical form: blocks contiguous, the largest first, then by decreasing size and
   increasing diagonal value.
3. Polish: project onto the block structure ``("n", q_2, ...)`` (the largest block's size is
   the real variable), Newton in the fixed space (second layer held at its projected
   values in the trainable setting), embed, and check the full-space gradient (<= 1e-10).
4. Deduplicate (structure, loss within 1e-9, balanced parameters within 1e-6); report the
   smallest Hessian eigenvalue and Morse index from the full Hessian at the balanced point
   (trainable: eigenvalues within ``1e-8 max|lambda|`` of zero are the rescaling modes, ``d``
   of them, excluded), how many runs reached it, and the catalogue family it matches.
"""
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment, minimize

from spurious.kernels import REAL, BlockStructure, embed, gradient, hessian, loss, project

from .catalogue import DEFINITIONS
from .family import SETTINGS, balanced, newton_at, slice_unknowns

GRAD_TOL = 1e-10
SYMMETRY_TOL = 1e-6


@dataclass
class DiscoveredPoint:
    """A distinct critical point found by discovery."""

    sizes: list
    isotropy: str
    loss: float
    lambda_min: float
    morse_index: int
    zero_modes: int
    runs: int
    family: str
    grad_norm: float
    params: dict = field(default_factory=dict)


@dataclass
class DiscoveryResult:
    setting: str
    d: int
    runs: int
    seed: int
    not_converged: int
    points: list
    elapsed: float

    def as_dict(self):
        return {**{k: v for k, v in asdict(self).items() if k != "points"},
                "points": [asdict(p) for p in self.points]}

    def table(self):
        lines = [f"discover: {self.setting} second layer, d = {self.d}, {self.runs} runs (seed {self.seed}), "
                 f"{self.not_converged} not converged, {self.elapsed:.1f} s",
                 f"{'isotropy':26} {'loss':>14} {'lambda_min':>12} {'Morse':>6} {'runs':>5}  family"]
        for p in sorted(self.points, key=lambda p: p.loss):
            shown = 0.0 if abs(p.loss) < 1e-14 else p.loss  # rounding noise around the global minimum
            lines.append(f"{p.isotropy:26} {shown:14.10f} {p.lambda_min:12.4e} {p.morse_index:6d} {p.runs:5d}  "
                         f"{p.family or '-'}")
        return "\n".join(lines)


# ---------------------------------------------------------------- one run
def _train(setting, d, seed_seq):
    rng = np.random.default_rng(seed_seq)
    I, one = np.eye(d), np.ones(d)
    W0 = rng.normal(scale=1 / np.sqrt(d), size=(d, d))
    a0 = rng.normal(size=d) if setting == "trainable" else one.copy()
    trainable = setting == "trainable"

    def unpack(z):
        return z[:d * d].reshape(d, d), (z[d * d:] if trainable else one)

    def fun(z):
        W, a = unpack(z)
        if not np.all(np.any(W != 0, axis=1)):
            return loss(W, a, I, one), np.zeros_like(z)
        gW, ga = gradient(W, a, I, one)
        return loss(W, a, I, one), (np.concatenate([gW.ravel(), ga]) if trainable else gW.ravel())

    z0 = np.concatenate([W0.ravel(), a0]) if trainable else W0.ravel()
    res = minimize(fun, z0, jac=True, method="L-BFGS-B",
                   options={"maxiter": 20000, "gtol": 1e-12, "ftol": 0.0, "maxcor": 30})
    z = res.x
    g = fun(z)[1]
    for _ in range(10):
        if np.linalg.norm(g) <= GRAD_TOL:
            break
        W, a = unpack(z)
        try:
            H = hessian(W, a, I, one, trainable)
        except ValueError:
            break
        z = z - np.linalg.lstsq(H, g, rcond=None)[0]
        g = fun(z)[1]
    W, a = unpack(z)
    return W, np.array(a, dtype=float), float(np.linalg.norm(g))


# -------------------------------------------------------------- isotropy
def isotropy_blocks(W, a, tol=SYMMETRY_TOL):
    """The blocks of the isotropy of ``(W, a)``: lists of indices, canonical order."""
    d = W.shape[0]
    parent = list(range(d))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(d):
        for j in range(i + 1, d):
            if abs(W[i, i] - W[j, j]) > tol or abs(a[i] - a[j]) > tol or find(i) == find(j):
                continue
            p = np.arange(d)
            p[i], p[j] = j, i
            if np.max(np.abs(W[p][:, p] - W)) <= tol:
                parent[find(j)] = find(i)
    groups = {}
    for i in range(d):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), W[g[0], g[0]]))


def _structure(blocks, trainable):
    sizes = [len(b) for b in blocks]
    if sizes[0] >= 2:
        sizes[0] = REAL
    return BlockStructure(tuple(sizes), trainable)


def _isotropy_label(blocks, d):
    sizes = [len(b) for b in blocks]
    if sizes[0] == 1:
        return "trivial"
    if len(sizes) == 1:
        return f"Delta S_{d}"
    return "Delta(" + " x ".join(f"S_{s}" for s in sizes) + ")"


def _match_family(st, x, d):
    """The catalogue family this point belongs to (second layer rescaled to 1 first), or ''."""
    if len(st.sizes) > 2 or st.sizes[0] != REAL:
        return ""
    fixed = BlockStructure(st.sizes, False)
    xw = np.array(x[slice_unknowns(st)], dtype=float)
    if st.trainable:
        c = [x[st.index(("c", al))] for al in range(len(st.sizes))]
        if min(c) <= 0:
            return ""
        for i, key in enumerate(fixed.parameters):
            xw[i] *= c[key[1]]  # (w, a) -> (a w, 1)
    q = 0 if len(st.sizes) == 1 else int(st.sizes[1])
    for df in DEFINITIONS:
        if df.q == q and df.matches(xw, fixed.names):
            return df.name
    return ""


def balance_neurons(W, a):
    """The balanced representative ``|w_i| = |a_i|`` of every neuron's rescaling orbit
    ``(w_i, a_i) -> (c w_i, a_i / c)``: only there do symmetric points look symmetric."""
    gamma = np.sqrt(np.abs(a) / np.linalg.norm(W, axis=1))
    return W * gamma[:, None], a / gamma


def align_rows(W, a):
    """Permute the student neurons (rows of ``W`` with ``a``) -- a symmetry of the loss, since
    ``L(P W Q^T, P a) = L(W, a)`` for any permutations ``P`` of the neurons and ``Q`` of the
    inputs when ``V = I`` -- so that row ``j`` is the one matched with teacher ``j``: the
    assignment maximising ``sum_j |W[row_j, j]|``."""
    rows, cols = linear_sum_assignment(-np.abs(W))
    order = rows[np.argsort(cols)]
    return W[order], a[order]


def _polish(W, a, setting, d):
    """Canonical block form, Newton in the fixed space, full-space check; None if it fails."""
    trainable = setting == "trainable"
    if trainable:
        W, a = balance_neurons(W, a)
    W, a = align_rows(W, a)
    blocks = isotropy_blocks(W, a)
    perm = np.concatenate(blocks)
    Wc, ac = W[perm][:, perm], a[perm]
    st = _structure(blocks, trainable)
    x, _ = project(st, Wc, ac, d)
    a_values = [x[st.index(("c", al))] for al in range(len(blocks))] if trainable else []
    res = newton_at(st, x[slice_unknowns(st)], a_values, float(d))
    if not res.success:
        return None
    xb = balanced(st, res.x, d)
    Wb, ab = embed(st, xb, d)
    I, one = np.eye(d), np.ones(d)
    gW, ga = gradient(Wb, ab, I, one)
    grad_norm = float(np.linalg.norm(np.concatenate([gW.ravel(), ga if trainable else []])))
    if grad_norm > GRAD_TOL:
        return None
    eig = np.linalg.eigvalsh(hessian(Wb, ab, I, one, trainable))
    zero = np.abs(eig) <= 1e-8 * np.max(np.abs(eig)) if trainable else np.zeros(len(eig), bool)
    rest = eig[~zero]
    return DiscoveredPoint(
        sizes=[len(b) for b in blocks], isotropy=_isotropy_label(blocks, d),
        loss=float(loss(Wb, ab, I, one)), lambda_min=float(rest.min()), morse_index=int(np.sum(rest < -1e-10)),
        zero_modes=int(zero.sum()), runs=1, family=_match_family(st, xb, d), grad_norm=grad_norm,
        params=dict(zip(st.names, map(float, xb))))


def _one_run(args):
    setting, d, seed_seq = args
    W, a, g = _train(setting, d, seed_seq)
    if g > GRAD_TOL:
        return None
    return _polish(W, a, setting, d)


def _same(p, q):
    return (p.sizes == q.sizes and abs(p.loss - q.loss) <= 1e-9
            and max(abs(p.params[k] - q.params[k]) for k in p.params) <= 1e-6)


def discover(setting, d, runs, workers=1, seed=0, progress=None):
    """See the module docstring. ``progress(done, total)`` is called after every run."""
    if setting not in SETTINGS:
        raise ValueError(f"unknown setting {setting!r}; choose one of {', '.join(SETTINGS)}")
    if int(d) != d or d < 2:
        raise ValueError(f"d must be an integer >= 2, got {d}")
    if runs < 1 or workers < 1:
        raise ValueError("runs and workers must be at least 1")
    d = int(d)
    t0 = time.perf_counter()
    seeds = np.random.SeedSequence(seed).spawn(runs)
    tasks = [(setting, d, s) for s in seeds]
    results = [None] * runs
    if workers == 1:
        for i, task in enumerate(tasks):
            results[i] = _one_run(task)
            if progress:
                progress(i + 1, runs)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_one_run, task): i for i, task in enumerate(tasks)}
            for done, fut in enumerate(as_completed(futures), start=1):
                results[futures[fut]] = fut.result()
                if progress:
                    progress(done, runs)
    points = []
    for p in results:
        if p is None:
            continue
        same = [q for q in points if _same(p, q)]
        if same:
            same[0].runs += 1
        else:
            points.append(p)
    points.sort(key=lambda p: p.loss)
    return DiscoveryResult(setting, d, runs, seed, sum(r is None for r in results), points,
                           time.perf_counter() - t0)
