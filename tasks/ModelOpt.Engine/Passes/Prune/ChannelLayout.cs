namespace ModelOpt.Engine.Passes.Prune;

/// <summary>
/// A run of consecutive channels of a tensor that belong to one channel group (or, with
/// <see cref="Fixed"/>, to a tensor the pass does not prune, such as a graph input fed to a Concat).
/// </summary>
internal readonly record struct ChannelSegment(int Group, int Count)
{
    public const int Fixed = -1;

    public bool IsFixed => Group == Fixed;
}

/// <summary>
/// How the channel axis (axis 1) of a tensor is made of channel groups. After a Flatten the
/// channels become blocks of consecutive features (<see cref="Flattened"/>), which only Gemm and
/// MatMul know how to slice.
/// </summary>
internal sealed record ChannelLayout(IReadOnlyList<ChannelSegment> Segments, int Rank, bool Flattened)
{
    public int Total => Segments.Sum(s => s.Count);

    public static ChannelLayout Of(int group, int count, int rank) => new([new ChannelSegment(group, count)], rank, false);

    /// <summary>The segments with their channel offsets.</summary>
    public IEnumerable<(ChannelSegment Segment, int Offset)> WithOffsets()
    {
        int offset = 0;
        foreach (var s in Segments)
        {
            yield return (s, offset);
            offset += s.Count;
        }
    }

    /// <summary>Same rank, same flattening and the same segment sizes: the two can be tied channel by channel.</summary>
    public bool Aligns(ChannelLayout other) =>
        Rank == other.Rank && Flattened == other.Flattened && Segments.Count == other.Segments.Count
        && Segments.Zip(other.Segments).All(p => p.First.Count == p.Second.Count);
}
