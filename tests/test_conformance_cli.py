"""``optproof check`` / ``identify`` (proofs.cli_conformance) exit codes and output."""
from __future__ import annotations

from optproof.proofs.cli_conformance import main


def test_check_pass_and_fail(capsys):
    assert main(["check", "optproof.proofs.faulty.TorchLikeSGD", "--momentum", "0.9", "--max-examples", "30"]) == 0
    assert "PASS" in capsys.readouterr().out
    assert main(["check", "optproof.proofs.faulty:NesterovSignError", "--momentum", "0.9", "--nesterov",
                 "--max-examples", "30"]) == 1
    assert "difference" in capsys.readouterr().out


def test_identify_and_errors(capsys):
    assert main(["identify", "optproof.proofs.faulty.KerasLikeSGD", "--momentum", "0.9", "--max-examples", "20",
                 "--max-steps", "8"]) == 0
    assert "keras(momentum=0.9)" in capsys.readouterr().out
    assert main(["check", "no_such_module.Thing"]) == 2


def test_max_steps_flag(capsys):
    target = "optproof.proofs.faulty:MomentumSwitchAtFifty"
    assert main(["check", target, "--momentum", "0.9", "--max-examples", "60", "--max-steps", "12"]) == 0
    capsys.readouterr()
    assert main(["check", target, "--momentum", "0.9", "--max-examples", "60"]) == 1
    assert "differs first at step 50" in capsys.readouterr().out
    assert main(["check", target, "--max-steps", "0"]) == 2
