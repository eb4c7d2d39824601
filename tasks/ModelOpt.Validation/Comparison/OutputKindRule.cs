using System.Text.RegularExpressions;
using ModelOpt.Engine.Config;

namespace ModelOpt.Validation.Comparison;

/// <summary>
/// Decides what an output is taken for, from the original's first batch, unless the user said
/// (<see cref="OutputKinds"/>). The rule, first match wins (docs/validation.md, "Output kinds"):
/// <list type="number">
/// <item>integer or boolean values: regression (compared by error);</item>
/// <item>an output fed back as the next run's state (<c>--state</c>): features;</item>
/// <item>one score per position — shape [N, 1, H, W] or NHWC [N, H, W, 1] with more than one pixel
/// (H, W ≥ 2 for NHWC), or [N, K, 1] with K ≥ 2 (one score per anchor or frame) — a mask (each
/// position's side of the threshold);</item>
/// <item>a name that says it (a word starting embed, feat, hidden, pool, encod, state: features; box,
/// bbox, loc, landmark, regress, offset, coord, keypoint: regression);</item>
/// <item>along the class axis (the last of [N, C] and [N, T, C], the second of [N, C, H, W]) of two or
/// more entries: probabilities summing to 1 at every position are classes; [N, K, d] with d ≤ 4
/// (boxes, points), or beside an output [N, K, 1] of the same K (a detector's per-anchor scores, so
/// these are its per-anchor boxes and keypoints), is regression; an [N, C] output is classes when
/// it is the first output and labels were given, else features when every row has unit length, no
/// value is negative (an embedding, pooled ReLU features) or, with 128 or more entries, every value
/// lies within (−1, 1) (a tanh-pooled embedding), else classes (logits); [N, T, C] and [N, C, H, W]
/// are classes;</item>
/// <item>anything else (one value per sample, a class axis of one entry): regression.</item>
/// </list>
/// </summary>
public static partial class OutputKindRule
{
    [GeneratedRegex("[a-z]+|[A-Z][a-z]*")]
    private static partial Regex Words();

    private static readonly string[] FeatureWords = ["embed", "feat", "hidden", "pool", "encod", "state"];
    private static readonly string[] RegressionWords = ["box", "bbox", "loc", "landmark", "regress", "offset", "coord", "keypoint"];

    // Entries from which a [N, C] vector bounded by (−1, 1) reads as a tanh-pooled embedding rather than weak logits.
    private const int TanhFeatureWidth = 128;

    /// <summary>
    /// The kind of output <paramref name="name"/> and why, from its shape and the original's values on
    /// one batch; <paramref name="others"/> are the shapes of the model's other outputs, and
    /// <paramref name="fedBack"/> says the output is fed back as state.
    /// </summary>
    public static (OutputKind Kind, string Why) Detect(string name, IReadOnlyList<long> shape, double[] values, bool isInteger, bool firstWithLabels,
        IReadOnlyList<IReadOnlyList<long>>? others = null, bool fedBack = false)
    {
        if (isInteger) return (OutputKind.Regression, "integer values");
        if (fedBack) return (OutputKind.Features, "state fed back to the next run");
        if (OutputValues.IsMask(shape)) return (OutputKind.Mask, shape.Count == 4 ? "one channel of H×W" : "one score per anchor or frame");
        var words = Words().Matches(name).Select(m => m.Value.ToLowerInvariant()).ToList();
        if (words.Any(w => FeatureWords.Any(w.StartsWith))) return (OutputKind.Features, "its name");
        if (words.Any(w => RegressionWords.Any(w.StartsWith))) return (OutputKind.Regression, "its name");
        int axis = shape.Count switch { 2 => 1, 3 => 2, 4 => 1, _ => -1 };
        if (axis < 0 || shape[axis] < 2) return (OutputKind.Regression, "no class axis");
        if (SumsToOne(values, shape, axis)) return (OutputKind.Classes, "probabilities over a class axis");
        if (shape.Count == 3 && shape[2] <= 4) return (OutputKind.Regression, $"{shape[2]} values per row");
        if (shape.Count == 3 && others is not null && others.Any(o => o.Count == 3 && o[0] == shape[0] && o[1] == shape[1] && o[2] == 1))
            return (OutputKind.Regression, $"{shape[2]} values per anchor beside one score per anchor");
        if (shape.Count == 2)
        {
            if (firstWithLabels) return (OutputKind.Classes, "labels were given");
            if (UnitRows(values, (int)shape[1])) return (OutputKind.Features, "rows of unit length");
            if (values.All(v => v >= 0)) return (OutputKind.Features, "no negative value");
            if (shape[1] >= TanhFeatureWidth && values.All(v => v > -1 && v < 1)) return (OutputKind.Features, "every value within (−1, 1), as after tanh");
            return (OutputKind.Classes, "scores over a class axis");
        }
        return (OutputKind.Classes, "scores over a class axis");
    }

    // Every position's entries along the axis lie in [0, 1] and sum to 1 (a softmax).
    private static bool SumsToOne(double[] values, IReadOnlyList<long> shape, int axis)
    {
        long total = shape.Aggregate(1L, (a, d) => a * d);
        if (total != values.Length || total == 0) return false;
        int classes = (int)shape[axis];
        long inner = 1;
        for (int d = axis + 1; d < shape.Count; d++) inner *= shape[d];
        long outer = total / (classes * inner);
        for (long o = 0; o < outer; o++)
            for (long i = 0; i < inner; i++)
            {
                double sum = 0;
                for (int c = 0; c < classes; c++)
                {
                    double v = values[(o * classes + c) * inner + i];
                    if (!(v >= 0 && v <= 1)) return false;
                    sum += v;
                }
                if (Math.Abs(sum - 1) > 1e-3) return false;
            }
        return true;
    }

    private static bool UnitRows(double[] values, int row)
    {
        if (row <= 0 || values.Length % row != 0 || values.Length == 0) return false;
        for (int start = 0; start < values.Length; start += row)
        {
            double norm = 0;
            for (int j = 0; j < row; j++) norm += values[start + j] * values[start + j];
            if (Math.Abs(Math.Sqrt(norm) - 1) > 1e-3) return false;
        }
        return true;
    }
}
