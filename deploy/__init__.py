"""The production run: environment file, process definitions, and the checks run against them.

``production.env.example`` and ``Procfile`` are what an operator deploys from; ``stack`` reads the
environment file, runs the release step and hands the Procfile's processes to honcho; ``smoke``,
``load`` and ``faults`` drive a throwaway production run over HTTP (see the README's Production
section). ``Procfile.embedded`` is what ``make run`` has honcho start on one machine.
"""
