"""The production run: environment file, process definitions, and the checks run against them.

``production.env.example`` and ``Procfile`` are what an operator deploys from; ``stack`` starts
the Procfile's processes with the environment file; ``smoke``, ``load`` and ``faults`` drive a
throwaway production run over HTTP (see the README's Production section).
"""
