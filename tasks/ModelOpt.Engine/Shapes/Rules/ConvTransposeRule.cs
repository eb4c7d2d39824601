using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// ConvTranspose: out = stride·(in−1) + output_padding + dilation·(k−1) + 1 − pads, or the given
/// output_shape, or in·stride under SAME auto_pad. Cout = weight[1]·group.
/// </summary>
internal sealed class ConvTransposeRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["ConvTranspose"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        var w = c.Shape(1);
        long group = c.Attr("group", 1);
        long[] kernel = c.AttrInts("kernel_shape") is { Length: > 0 } k ? k
            : w.Dims.Skip(2).Select(d => d.Value ?? ShapeContext.Fail<long>("the kernel size is unknown")).ToArray();
        int spatial = kernel.Length;
        if (x.Rank != spatial + 2) c.Fail($"input rank {x.Rank} does not match a {spatial}-D kernel");
        long[] strides = c.AttrInts("strides") is { Length: > 0 } s ? s : SlidingWindow.Ones(spatial);
        long[] dilations = c.AttrInts("dilations") is { Length: > 0 } d ? d : SlidingWindow.Ones(spatial);
        long[] pads = c.AttrInts("pads") is { Length: > 0 } p ? p : new long[2 * spatial];
        long[] outputPadding = c.AttrInts("output_padding") is { Length: > 0 } op ? op : new long[spatial];
        long[]? outputShape = c.AttrInts("output_shape") is { Length: > 0 } os ? os : null;
        string autoPad = c.Attr("auto_pad", "NOTSET");

        var dims = new Dim[spatial];
        for (int i = 0; i < spatial; i++)
        {
            if (outputShape is not null)
            {
                // output_shape may list N and C too; the spatial sizes are its last entries.
                dims[i] = Dim.Of(outputShape[outputShape.Length - spatial + i]);
                continue;
            }
            if (x[i + 2].Value is not long inSize)
            {
                dims[i] = Dim.Unknown();
                continue;
            }
            dims[i] = Dim.Of(autoPad is "SAME_UPPER" or "SAME_LOWER"
                ? inSize * strides[i]
                : strides[i] * (inSize - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[i + spatial]);
        }
        c.SetOutput(0, c.Type(0), new TensorShape([x[0], DimMath.Multiply(w[1], group), .. dims]));
    }
}
