"""Views of stage 1, one module per audience:

- ``counter``: caseworkers' worklist, counter application, decision, commitment letter, bundle requests;
- ``people``: person search and the person page (timeline, ID reveal);
- ``imports``: ops' imports of comparison records and graduate lists;
- ``public``: the applicant's online application and progress query (no login; urls_public.py).
"""
