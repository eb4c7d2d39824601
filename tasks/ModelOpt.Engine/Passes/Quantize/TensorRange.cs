namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>The real interval a tensor's quantized form must cover.</summary>
public readonly record struct TensorRange(float Min, float Max)
{
    /// <summary>Widened to include 0, which every quantization scheme must represent exactly (padding, ReLU).</summary>
    public TensorRange WithZero() => new(Math.Min(Min, 0), Math.Max(Max, 0));
}
