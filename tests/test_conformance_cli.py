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


def test_the_command_leaves_the_garbage_collector_as_it_found_it(capsys):
    """``run`` pauses the collector while it loads and freezes the heap while it searches (speed,
    issue 14): afterwards both are as before, and a collector the caller disabled stays disabled."""
    import gc

    argv = ["check", "optproof.proofs.faulty.TorchLikeSGD", "--momentum", "0.9", "--max-examples", "5"]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert main(argv) == 0
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        assert main(argv) == 0
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()
    assert main(["check", "no_such_module.Thing"]) == 2  # a usage error ends the pause too
    assert gc.isenabled()
    capsys.readouterr()
