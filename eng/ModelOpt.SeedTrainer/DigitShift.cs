namespace ModelOpt.SeedTrainer;

/// <summary>
/// Training-time augmentation: the digit moved by a few pixels with zeros shifted in. With only
/// 8,000 training digits the network otherwise memorizes them and held-out accuracy stalls near 96%.
/// </summary>
internal readonly record struct DigitShift(int Dx, int Dy)
{
    public const int MaxShift = 2;

    public static DigitShift Draw(Random rng) => new(rng.Next(-MaxShift, MaxShift + 1), rng.Next(-MaxShift, MaxShift + 1));

    /// <summary>Writes <paramref name="source"/> moved right by Dx and down by Dy into <paramref name="destination"/>.</summary>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination)
    {
        const int side = MnistDigits.Side;
        destination.Clear();
        int width = side - Math.Abs(Dx);
        int srcX = Math.Max(0, -Dx), dstX = Math.Max(0, Dx);
        for (int y = 0; y < side; y++)
        {
            int srcY = y - Dy;
            if (srcY is < 0 or >= side) continue;
            source.Slice(srcY * side + srcX, width).CopyTo(destination.Slice(y * side + dstX, width));
        }
    }
}
