namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>The int4 baseline: each block's values rounded to the nearest code, independently.</summary>
public static class RoundToNearest
{
    /// <param name="weights">[K, N] row-major.</param>
    public static Int4Blocks Quantize(ReadOnlySpan<float> weights, int k, int n, int blockSize, bool symmetric)
    {
        var blocks = new Int4Blocks(k, n, blockSize);
        var block = new double[blockSize];
        for (int c = 0; c < n; c++)
        {
            for (int b = 0; b < blocks.BlocksPerColumn; b++)
            {
                int start = b * blockSize, count = Math.Min(blockSize, k - start);
                for (int i = 0; i < count; i++) block[i] = weights[(start + i) * n + c];
                var (scale, zp) = Int4Blocks.Parameters(block.AsSpan(0, count), symmetric);
                blocks.Scales[c * blocks.BlocksPerColumn + b] = scale;
                blocks.ZeroPoints[c * blocks.BlocksPerColumn + b] = zp;
                for (int i = 0; i < blockSize; i++)
                    blocks.Set(c, start + i, i < count ? Int4Blocks.Encode(block[i], scale, zp) : zp);
            }
        }
        return blocks;
    }
}
