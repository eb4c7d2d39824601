using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.Shapes.Rules;

/// <summary>
/// Einsum for explicit and implicit equations, with "..." standing for broadcast leading
/// dimensions. Each letter's size is read off the operands.
/// </summary>
internal sealed class EinsumRule : IShapeRule
{
    public IEnumerable<string> OpTypes => ["Einsum"];

    public void Infer(ShapeContext c)
    {
        var equation = EinsumEquation.Parse(c.Attr("equation", ""), c.InputCount);
        var letterSizes = new Dictionary<char, Dim>();
        var ellipsisShapes = new List<TensorShape>();
        for (int i = 0; i < equation.Inputs.Length; i++)
        {
            var shape = c.Shape(i);
            string term = equation.Inputs[i];
            int ellipsis = term.IndexOf('.');
            int letters = term.Replace(".", "").Length;
            int ellipsisRank = shape.Rank - letters;
            if (ellipsisRank < 0 || (ellipsis < 0 && ellipsisRank != 0)) c.Fail($"term '{term}' does not match input shape {shape}");
            int axis = 0;
            foreach (char ch in term)
            {
                if (ch == '.')
                {
                    ellipsisShapes.Add(new TensorShape(shape.Dims.Skip(axis).Take(ellipsisRank)));
                    axis += ellipsisRank;
                    continue;
                }
                var d = shape[axis++];
                if (!letterSizes.TryGetValue(ch, out var known) || (!known.IsKnown || known.Value == 1)) letterSizes[ch] = d;
            }
        }
        var broadcast = ellipsisShapes.Count > 0 ? DimMath.Broadcast(ellipsisShapes) : TensorShape.Scalar;
        var dims = new List<Dim>();
        foreach (char ch in equation.Output)
        {
            if (ch == '.') dims.AddRange(broadcast.Dims);
            else dims.Add(letterSizes.TryGetValue(ch, out var d) ? d : ShapeContext.Fail<Dim>($"output letter '{ch}' is not in any input"));
        }
        c.SetOutput(0, c.Type(0), new TensorShape(dims));
    }
}

/// <summary>An Einsum equation split into input terms and the output term ("..." kept as a single '.').</summary>
internal sealed record EinsumEquation(string[] Inputs, string Output)
{
    public static EinsumEquation Parse(string equation, int inputCount)
    {
        string eq = equation.Replace(" ", "").Replace("...", ".");
        string[] sides = eq.Split("->");
        string[] inputs = sides[0].Split(',');
        if (inputs.Length != inputCount) ShapeContext.Fail<int>($"equation '{equation}' has {inputs.Length} terms for {inputCount} inputs");
        string output;
        if (sides.Length > 1) output = sides[1];
        else
        {
            // Implicit form: letters that appear once, in alphabetical order, after any ellipsis.
            var counts = inputs.SelectMany(t => t).Where(char.IsLetter).GroupBy(ch => ch).Where(g => g.Count() == 1).Select(g => g.Key).Order();
            output = (eq.Contains('.') ? "." : "") + string.Concat(counts);
        }
        return new EinsumEquation(inputs, output);
    }

    /// <summary>Letters summed over (in some input, not in the output).</summary>
    public IEnumerable<char> ContractedLetters => Inputs.SelectMany(t => t).Where(char.IsLetter).Distinct().Where(ch => !Output.Contains(ch));
}
