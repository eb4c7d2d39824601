using ModelOpt.Engine.Numerics;

namespace ModelOpt.Bench;

/// <summary>
/// PaddleOCR's CTC label set: class 0 is the blank, classes 1…N the dictionary's lines, and N+1 a
/// space (use_space_char). Greedy decoding keeps a frame's top-1 class when it is not the blank and
/// differs from the frame before.
/// </summary>
internal sealed class CtcDictionary(IReadOnlyList<string> characters)
{
    public static CtcDictionary Load(string path) => new([.. File.ReadAllLines(path), " "]);

    public string Decode(int[] classes)
    {
        var text = new System.Text.StringBuilder();
        for (int t = 0; t < classes.Length; t++)
        {
            int c = classes[t];
            if (c == 0 || (t > 0 && classes[t - 1] == c)) continue;
            text.Append(c - 1 < characters.Count ? characters[c - 1] : "?");
        }
        return text.ToString();
    }

    public static int[] Top1(float[] probabilities, int steps, int classes)
    {
        var top = new int[steps];
        for (int t = 0; t < steps; t++) top[t] = ArgMax.Of<float>(probabilities, (long)t * classes, classes);
        return top;
    }

    public static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }
}
