# temporary: removed when analysis/brief.py moves (the results base is analysis.results.Results)
from analysis.results import Results as ModelResults, format_p, format_rr  # noqa: F401, I001
