namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Blockwise 4-bit weights of a [K, N] MatMul weight, laid out per output column n in blocks of
/// <see cref="BlockSize"/> along K (K padded with zeros to whole blocks), as MatMulNBits reads them:
/// value = (q − zero_point) · scale.
/// </summary>
public sealed class Int4Blocks
{
    public Int4Blocks(int k, int n, int blockSize)
    {
        K = k;
        N = n;
        BlockSize = blockSize;
        BlocksPerColumn = (k + blockSize - 1) / blockSize;
        Codes = new byte[n * BlocksPerColumn * blockSize];
        Scales = new float[n * BlocksPerColumn];
        ZeroPoints = new byte[n * BlocksPerColumn];
    }

    public int K { get; }
    public int N { get; }
    public int BlockSize { get; }
    public int BlocksPerColumn { get; }
    /// <summary>One 4-bit code per byte, [N, blocks, blockSize].</summary>
    public byte[] Codes { get; }
    public float[] Scales { get; }
    public byte[] ZeroPoints { get; }

    /// <summary>Scale and zero point of a block from its values: symmetric codes −8..7 around 8, or asymmetric 0..15.</summary>
    public static (float Scale, byte ZeroPoint) Parameters(ReadOnlySpan<double> block, bool symmetric)
    {
        double lo = 0, hi = 0;
        foreach (double v in block)
        {
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        if (symmetric)
        {
            // The end with the larger magnitude maps to −8 (when negative) or 7, so neither end clips much.
            double amax = Math.Max(-lo, hi);
            double scale = amax == 0 ? 1 : (-lo >= hi ? amax / 8 : amax / 7);
            return ((float)scale, 8);
        }
        double s = hi - lo == 0 ? 1 : (hi - lo) / 15;
        return ((float)s, (byte)Math.Clamp(Math.Round(-lo / s), 0, 15));
    }

    public static byte Encode(double v, float scale, byte zeroPoint) => (byte)Math.Clamp(Math.Round(v / scale) + zeroPoint, 0, 15);

    public static double Decode(byte code, float scale, byte zeroPoint) => (code - zeroPoint) * (double)scale;

    public void Set(int n, int k, byte code) => Codes[(n * BlocksPerColumn + k / BlockSize) * BlockSize + k % BlockSize] = code;

    public byte Get(int n, int k) => Codes[(n * BlocksPerColumn + k / BlockSize) * BlockSize + k % BlockSize];

    /// <summary>The weights these codes stand for, as [K, N].</summary>
    public float[] Dequantize()
    {
        var w = new float[K * N];
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++)
            {
                int b = n * BlocksPerColumn + k / BlockSize;
                w[k * N + n] = (float)Decode(Get(n, k), Scales[b], ZeroPoints[b]);
            }
        return w;
    }

    /// <summary>Codes packed two per byte, the first in the low nibble: [N, blocks, blockSize/2].</summary>
    public byte[] PackedCodes()
    {
        var packed = new byte[Codes.Length / 2];
        for (int i = 0; i < packed.Length; i++) packed[i] = (byte)(Codes[2 * i] | (Codes[2 * i + 1] << 4));
        return packed;
    }

    /// <summary>Zero points packed two per byte per column: [N · ceil(blocks / 2)].</summary>
    public byte[] PackedZeroPoints()
    {
        int perColumn = (BlocksPerColumn + 1) / 2;
        var packed = new byte[N * perColumn];
        for (int n = 0; n < N; n++)
            for (int b = 0; b < BlocksPerColumn; b++)
                packed[n * perColumn + b / 2] |= (byte)(ZeroPoints[n * BlocksPerColumn + b] << (b % 2 * 4));
        return packed;
    }
}
