"""C6 (seed 1.4): small batches end in flat minima and generalise better (synthetic landscape; digits MLP).

This package holds the claim record only; its checks live in ``landscape.py``, ``mlp_machinery.py``, ``real_data.py``."""
from __future__ import annotations

from optproof.proofs.catalog import Claim
from optproof.proofs.claims._common import by_kind
from optproof.proofs.claims.c6_flat_minima import landscape, mlp_machinery, real_data

__all__ = ["CLAIM"]

CLAIM = Claim(
    id="C6",
    title="Small batches find flat minima and generalise better",
    section="1.4",
    statement=r"T = \frac{\eta\sigma_B^2}{2(1-\lambda)},\ \sigma_B^2 = \frac{N-B}{(N-1)B}\mathrm{var}(a),\ "
              r"\frac{P_{flat}}{P_{sharp}} \approx \sqrt{h_s/h_f}\,e^{-(f_f-f_s)/T}",
    checks=by_kind(landscape.CHECKS, mlp_machinery.CHECKS, real_data.CHECKS),
    notes="Two parts: a synthetic sharp-vs-flat landscape with real mini-batch noise (occupancy and test loss "
          "against the Fokker-Planck / Laplace / Kramers predictions), and a small MLP on the scikit-learn digits "
          "data, small batch vs 10% batch over 10 seeds (test accuracy, epsilon-sharpness, top Hessian "
          "eigenvalue), which runs with optproof report --full. The real-data result is a measured effect with "
          "its confidence interval, reported whatever its sign.",
    sources=(
        "optproof.mathcore.landscape_proofs:prove_occupancy_ratio", "optproof.mathcore.landscape_proofs:prove_kramers",
        "optproof.mathcore.landscape:FokkerPlanck", "optproof.mathcore.landscape:temperature",
        "optproof.proofs.real_data:run_experiment", "optproof.proofs.real_data:epsilon_sharpness",
        "optproof.proofs.real_data:top_hessian_eigenvalue", "optproof.sim.mlp:mlp_problem", "optproof.sim:simulate",
        "tests/test_landscape.py", "tests/test_real_data.py", "tests/test_mlp.py", "tests/test_catalog.py"),
)
