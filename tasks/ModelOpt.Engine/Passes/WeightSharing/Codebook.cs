using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.WeightSharing;

/// <summary>A weight tensor as a codebook of centroids plus one index per element.</summary>
internal sealed record Codebook(float[] Centroids, byte[] Indices, int Iterations)
{
    public static Codebook Fit(ReadOnlySpan<float> weights, int bits, int seed)
    {
        var centroids = ScalarKMeans.Fit(weights, 1 << bits, seed, ScalarKMeans.DefaultMaxIterations, out int iterations);
        return new Codebook(centroids, ScalarKMeans.Assign(weights, centroids), iterations);
    }

    /// <summary>The indices as a <c>uint8</c> tensor, or packed two per byte as <c>uint4</c> (first element in the low nibble, as ONNX specifies).</summary>
    public Tensor IndexTensor(string name, long[] dims, bool packFourBits)
    {
        if (!packFourBits) return Tensor.FromBytes(name, DataType.Uint8, dims, Indices);
        if (Centroids.Length > 16) throw new InvalidOperationException($"{Centroids.Length} centroids do not fit 4-bit indices.");
        var packed = new byte[(Indices.Length + 1) / 2];
        for (int i = 0; i < Indices.Length; i++)
            packed[i >> 1] |= (byte)((i & 1) == 0 ? Indices[i] : Indices[i] << 4);
        return Tensor.FromBytes(name, DataType.Uint4, dims, packed);
    }

    /// <summary>Root-mean-square difference between the weights and their shared values.</summary>
    public double RmsError(ReadOnlySpan<float> weights)
    {
        double sum = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            double d = weights[i] - Centroids[Indices[i]];
            sum += d * d;
        }
        return weights.Length == 0 ? 0 : Math.Sqrt(sum / weights.Length);
    }
}
