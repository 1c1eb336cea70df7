"""Owners join without git: the issue forms, and ``quartier intake`` that reads their answers.

- :mod:`.form`: the fields of "Add or update my business" and how each answer
  becomes entry values (one source for the forms and the reading);
- :mod:`.forms`: the issue forms of a directory, generated and drift-checked;
- :mod:`.body`: the answers out of an issue body (or GitHub's JSON of it);
- :mod:`.run`: answers -> entry file, checked against the directory, or corrections;
- :mod:`.comment`, :mod:`.github`: the comment, the pull request, the workflow's outputs;
- :mod:`.texts`: what is said to owners, per language (``texts/<lang>.yaml``).

Nothing is imported here, so ``quartier init`` and ``validate`` stay fast.
Example::

    from quartier.intake.run import intake
    outcome = intake(Path("."), body, author="octocat", issue=12)
"""
