"""Models of attack tempo around political events.

One module per model, each with a function that fits and returns a results object
(a subclass of :class:`analysis.results.Results`):

- :mod:`~analysis.models.its`             segmented (interrupted time series) regression, ``fit``
- :mod:`~analysis.models.windows`         exact before/after window comparison, ``compare``
- :mod:`~analysis.models.changepoints`    optimal Poisson segmentation, ``detect``
- :mod:`~analysis.models.hawkes`          self-exciting Hawkes process, ``fit``
- :mod:`~analysis.models.counterfactual`  state-space counterfactual forecast, ``fit``
- :mod:`~analysis.models.attribution`     events' effects net of each other and of contagion
  (self-exciting process with event terms), ``fit``
- :mod:`~analysis.models.count_attribution` its negative-binomial cross-check, ``fit_counts``
- :mod:`~analysis.models.outlook`         probabilistic forecasts of the next periods, ``forecast``
- :mod:`~analysis.models.backtest`        rolling-origin backtest of those forecasts, ``backtest``

Shared by these: :mod:`~analysis.models.pointprocess` (times, window, jitter, the likelihood fit
of hawkes and attribution), :mod:`~analysis.models.event_effects` (the effects table of both
attribution models), :mod:`~analysis.models.inputs` (count-series checks).
:mod:`~analysis.models.vocabulary` holds the words they share (``events=``, ``seed``,
``n_samples``, the ``to_frame`` columns ``estimate, low, high, p_value``; README's "One
vocabulary").
"""
