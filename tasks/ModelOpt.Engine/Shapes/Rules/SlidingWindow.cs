using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// The output size of a sliding window (convolution or pooling) along each spatial axis, honouring
/// auto_pad, pads, strides, dilations and ceil_mode as the ONNX operator documents define them.
/// </summary>
internal static class SlidingWindow
{
    public static Dim[] OutputDims(ShapeContext c, TensorShape input, long[] kernel, bool ceilMode)
    {
        int spatial = kernel.Length;
        if (input.Rank != spatial + 2) c.Fail($"input rank {input.Rank} does not match a {spatial}-D kernel");
        long[] strides = c.AttrInts("strides") is { Length: > 0 } s ? s : Ones(spatial);
        long[] dilations = c.AttrInts("dilations") is { Length: > 0 } d ? d : Ones(spatial);
        long[] pads = c.AttrInts("pads") is { Length: > 0 } p ? p : new long[2 * spatial];
        if (strides.Length != spatial || dilations.Length != spatial || pads.Length != 2 * spatial)
            c.Fail("strides, dilations or pads do not match the kernel's rank");
        string autoPad = c.Attr("auto_pad", "NOTSET");

        var output = new Dim[spatial];
        for (int i = 0; i < spatial; i++)
        {
            if (input[i + 2].Value is not long inSize)
            {
                output[i] = Dim.Unknown();
                continue;
            }
            long effectiveKernel = dilations[i] * (kernel[i] - 1) + 1;
            long size = autoPad switch
            {
                "SAME_UPPER" or "SAME_LOWER" => DimMath.CeilDiv(inSize, strides[i]),
                "VALID" => DimMath.CeilDiv(inSize - effectiveKernel + 1, strides[i]),
                _ => Explicit(inSize, pads[i], pads[i + spatial], effectiveKernel, strides[i], ceilMode),
            };
            if (size <= 0) c.Fail($"spatial axis {i} would have size {size} (input {inSize}, kernel {kernel[i]})");
            output[i] = Dim.Of(size);
        }
        return output;
    }

    private static long Explicit(long inSize, long padBegin, long padEnd, long kernel, long stride, bool ceilMode)
    {
        long span = inSize + padBegin + padEnd - kernel;
        if (span < 0) return 0;
        long size = (ceilMode ? DimMath.CeilDiv(span, stride) : span / stride) + 1;
        // With ceil_mode the last window must start inside the input or its leading padding
        // (PyTorch's rule, adopted by ONNX in opset 19), otherwise it is dropped.
        if (ceilMode && (size - 1) * stride >= inSize + padBegin) size--;
        return size;
    }

    public static long[] Ones(int n) => Enumerable.Repeat(1L, n).ToArray();
}
