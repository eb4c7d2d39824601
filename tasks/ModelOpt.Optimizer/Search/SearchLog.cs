using System.Globalization;

namespace ModelOpt.Optimizer.Search;

/// <summary>
/// The search's log and its clock. Lines go to the log (the report keeps them) and to the progress
/// callback as they are written; while one step runs longer than the progress interval (a
/// validation with refit, the profile), a line says what is being tried, for how long, and what is
/// left, so neither a terminal nor a build log goes quiet. The clock also prices what the time
/// limit allows: a step is not started when the one before says it would run past the limit with
/// the final check still to come.
/// </summary>
public sealed class SearchLog : IDisposable
{
    private readonly List<string> _lines = [];
    private readonly Action<string>? _progress;
    private readonly Func<TimeSpan> _clock;
    private readonly TimeSpan _limit;
    private readonly TimeSpan _interval;
    private readonly List<double> _validationSeconds = [];
    private readonly Lock _gate = new();
    private readonly Timer? _timer;
    private string _activity = "starting";
    private TimeSpan _activitySince;
    private TimeSpan _lastLine;

    public SearchLog(Action<string>? progress, Func<TimeSpan> clock, TimeSpan limit, TimeSpan interval)
    {
        _progress = progress;
        _clock = clock;
        _limit = limit;
        _interval = interval;
        if (progress is not null && interval > TimeSpan.Zero)
        {
            var tick = TimeSpan.FromMilliseconds(Math.Max(10, interval.TotalMilliseconds / 4));
            _timer = new Timer(_ => Heartbeat(), null, tick, tick);
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate) return _lines.ToList();
        }
    }

    public TimeSpan Elapsed => _clock();

    public void Write(string line)
    {
        lock (_gate)
        {
            _lines.Add(line);
            _lastLine = _clock();
            _progress?.Invoke(line);
        }
    }

    /// <summary>What the search is doing from now on, for the progress lines.</summary>
    public void Doing(string activity)
    {
        lock (_gate)
        {
            _activity = activity;
            _activitySince = _clock();
        }
    }

    /// <summary>Records how long one full validation took: the estimate of the next.</summary>
    public void Validated(double seconds)
    {
        lock (_gate) _validationSeconds.Add(seconds);
    }

    /// <summary>A typical full validation so far (the median), or null before the first.</summary>
    public double? ValidationSeconds
    {
        get
        {
            lock (_gate)
            {
                if (_validationSeconds.Count == 0) return null;
                var sorted = _validationSeconds.Order().ToList();
                return sorted[sorted.Count / 2];
            }
        }
    }

    /// <summary>
    /// Whether another validation would run past the time limit, keeping one more for the final
    /// check the search always makes: so the limit holds within about one validation's length.
    /// </summary>
    public bool TimeUp()
    {
        double next = ValidationSeconds ?? 0;
        return (_clock() + TimeSpan.FromSeconds(2 * next)) > _limit;
    }

    /// <summary>
    /// Whether the time limit cut the search short: a step found the time up and stopped there
    /// (<see cref="OutOfTime"/>, <see cref="RanOut"/>). A step that only looks (<see cref="TimeUp"/>)
    /// and skips an optional extra does not count.
    /// </summary>
    public bool TimeRanOut { get; private set; }

    /// <summary><see cref="TimeUp"/>, for a step that stops when it is: the search then says it was cut short.</summary>
    public bool OutOfTime()
    {
        if (!TimeUp()) return false;
        TimeRanOut = true;
        return true;
    }

    /// <summary>A step stopped for time by its own check (a <see cref="GrowingWalk"/> that ran out).</summary>
    public void RanOut() => TimeRanOut = true;

    /// <summary>The progress line written when nothing else was for <see cref="_interval"/>.</summary>
    internal void Heartbeat()
    {
        lock (_gate)
        {
            var now = _clock();
            if (now - _lastLine < _interval) return;
            _lastLine = now;
            double left = Math.Max(0, (_limit - now).TotalSeconds);
            string typical = _validationSeconds.Count > 0 ? string.Format(CultureInfo.InvariantCulture, "; a validation takes about {0:0} s", _validationSeconds.Order().ElementAt(_validationSeconds.Count / 2)) : "";
            _progress?.Invoke(string.Format(CultureInfo.InvariantCulture,
                "search: {0} ({1:0} s so far); {2:0} s of the {3:0} s limit spent, at most {4:0} s left{5}.",
                _activity, (now - _activitySince).TotalSeconds, now.TotalSeconds, _limit.TotalSeconds, left, typical));
        }
    }

    public void Dispose() => _timer?.Dispose();
}
