using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// LSTM, GRU and RNN: X is [seq, batch, input] (layout 0) or [batch, seq, input] (layout 1); Y is
/// [seq, dirs, batch, H] (or [batch, seq, dirs, H]); Y_h and Y_c are [dirs, batch, H] (or
/// [batch, dirs, H]). H is <c>hidden_size</c>, else read from R ([dirs, gates·H, H]).
/// </summary>
internal sealed class RecurrentRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["LSTM", "GRU", "RNN"];

    public void Infer(ShapeContext c)
    {
        var x = c.Shape(0);
        if (x.Rank != 3) c.Fail($"{c.Node.OpType} needs a rank-3 X, got {x}");
        bool batchFirst = c.Attr("layout", 0) != 0;
        Dim seq = batchFirst ? x[1] : x[0];
        Dim batch = batchFirst ? x[0] : x[1];
        long dirs = c.Attr("direction", "forward") == "bidirectional" ? 2 : 1;
        long hidden = c.Attr("hidden_size", 0);
        if (hidden <= 0)
        {
            var r = c.Shape(2);
            if (r.Rank != 3 || r[2].Value is not long h) c.Fail($"{c.Node.OpType} has no hidden_size and R's shape {r} does not give it");
            else hidden = h;
        }
        var type = c.Type(0);
        var d = Dim.Of(dirs);
        var hDim = Dim.Of(hidden);
        c.SetOutput(0, type, batchFirst ? new TensorShape([batch, seq, d, hDim]) : new TensorShape([seq, d, batch, hDim]));
        var state = batchFirst ? new TensorShape([batch, d, hDim]) : new TensorShape([d, batch, hDim]);
        c.SetOutput(1, type, state);
        c.SetOutput(2, type, state);
    }
}
