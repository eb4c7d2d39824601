using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>Gemm: [M, N] from A (M×K, or K×M with transA) and B (K×N, or N×K with transB).</summary>
internal sealed class GemmRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Gemm"];

    public void Infer(ShapeContext c)
    {
        var a = c.Shape(0);
        var b = c.Shape(1);
        if (a.Rank != 2 || b.Rank != 2) c.Fail($"Gemm needs 2-D inputs, got {a} and {b}");
        Dim m = c.Attr("transA", 0) != 0 ? a[1] : a[0];
        Dim n = c.Attr("transB", 0) != 0 ? b[0] : b[1];
        c.SetOutput(0, c.Type(0), new TensorShape([m, n]));
    }
}
