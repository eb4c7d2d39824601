namespace ModelOpt.Optimizer.Search;

/// <summary>
/// Takes items from a ranked list, in order, while a test of everything taken so far passes, where
/// that test is not monotonic in the items taken: one item may break it while many after it do not.
/// Chunks grow (1, 2, 4, … on top of what was taken) while they pass; a chunk that fails is halved;
/// a single item that fails is left out, with every later item of the same key, and the walk goes on
/// past it. Each item left out costs about log₂ of the chunk it was in; each chunk taken one test.
/// After each item left out, the walk tries once the rest of the list whole (everything not left out):
/// the items that break the test may be few and the rest pass together, as all of them together may
/// pass where a prefix does not. The walk ends there when that passes, at the end of the list, after
/// <c>breakersInARow</c> single items in a row that fail (the test's room is spent by then, not held
/// up by one item), or when <c>timeUp</c> says so.
/// </summary>
public static class GrowingWalk
{
    public sealed record Outcome<T>(IReadOnlyList<T> Taken, IReadOnlyList<T> LeftOut, int Tests, bool Exhausted, bool TimeRanOut);

    /// <param name="passes">Whether the taken items together with the chunk pass (taken, chunk, index of the chunk's first item).</param>
    /// <param name="key">Items of one key are left out together (later steps of a knob whose earlier step failed).</param>
    public static Outcome<T> Run<T>(IReadOnlyList<T> items, Func<IReadOnlyList<T>, IReadOnlyList<T>, int, bool> passes, Func<T, string> key,
        Func<bool> timeUp, int breakersInARow = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(breakersInARow, 1);
        var taken = new List<T>();
        var leftOut = new List<T>();
        var stuck = new HashSet<string>(StringComparer.Ordinal);
        int at = 0, step = 1, inARow = 0, tests = 0;
        while (at < items.Count)
        {
            if (timeUp()) return new(taken, leftOut, tests, false, true);
            var chunk = new List<T>();
            int end = at;
            for (; end < items.Count && chunk.Count < step; end++)
                if (!stuck.Contains(key(items[end]))) chunk.Add(items[end]);
            if (chunk.Count == 0) break;
            tests++;
            if (passes(taken, chunk, at))
            {
                taken.AddRange(chunk);
                at = end;
                step = chunk.Count * 2;
                inARow = 0;
            }
            else if (chunk.Count > 1) step = chunk.Count / 2;
            else
            {
                leftOut.Add(chunk[0]);
                stuck.Add(key(chunk[0]));
                at = end;
                step = 1;
                if (++inARow >= breakersInARow) return new(taken, leftOut, tests, true, false);
                var rest = items.Skip(at).Where(i => !stuck.Contains(key(i))).ToList();
                if (rest.Count > 1 && !timeUp())
                {
                    tests++;
                    if (passes(taken, rest, at))
                    {
                        taken.AddRange(rest);
                        return new(taken, leftOut, tests, false, false);
                    }
                }
            }
        }
        return new(taken, leftOut, tests, false, false);
    }
}
