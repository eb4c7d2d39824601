namespace ModelOpt.Engine.IR;

/// <summary>Hands out value and node names that no other value or node in the model uses.</summary>
public sealed class NameAuthority
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);

    /// <summary>Records a name that already exists in the model.</summary>
    public void Reserve(string name)
    {
        if (name.Length > 0) _taken.Add(name);
    }

    public bool IsTaken(string name) => _taken.Contains(name);

    /// <summary>A new name built from <paramref name="hint"/>: the hint itself if free, else hint_1, hint_2, ….</summary>
    public string Unique(string hint)
    {
        if (hint.Length > 0 && _taken.Add(hint)) return hint;
        _counters.TryGetValue(hint, out int n);
        string candidate;
        do candidate = $"{hint}_{++n}";
        while (!_taken.Add(candidate));
        _counters[hint] = n;
        return candidate;
    }
}
