"""Run a grading kernel in a sandbox: namespaces, a minimal root, an unprivileged uid.

See :mod:`.probe` for what this machine supports, :mod:`.jail` for the
mechanisms, :mod:`.zygote` for how kernels are started quickly, and
:mod:`.plain` for the degraded fallback when namespaces are unavailable.
"""
