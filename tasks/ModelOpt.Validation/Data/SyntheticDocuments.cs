using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Data;

/// <summary>
/// Seeded synthetic page images for OCR-style models: a light, smoothly shaded background with
/// lines of dark "words" made of stroke-like bars, and a few mid-grey boxes as distractors,
/// normalized as PP-OCR and most ImageNet-trained CNNs expect ((x/255 − mean)/std, ImageNet
/// mean and std). Uniform noise in [0, 1) is not an image: on it a text detector sees no text at
/// all (PP-OCRv4 det answers probabilities below 3e-6 everywhere), so its output says nothing
/// about fidelity and calibration ranges miss what real pages produce. Real samples are still
/// better; this is the fallback that at least has text and edges in it.
/// </summary>
public static class SyntheticDocuments
{
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    /// <summary>
    /// One tensor per graph input: float NCHW inputs with 1 or 3 channels become pages, any other
    /// input gets <see cref="SyntheticInputs"/>' values. Shapes bind as in <see cref="SyntheticInputs.For"/>.
    /// </summary>
    public static IReadOnlyList<TensorData> For(Model model, IReadOnlyDictionary<string, TensorShape>? shapes = null, int seed = 0)
    {
        var random = new Random(seed);
        string file = OrtModelRunner.DisplayName(model);
        var inputs = new List<TensorData>();
        foreach (var input in model.Graph.Inputs)
        {
            if (input.Initializer is not null) continue;
            var dims = SyntheticInputs.Bind(input, shapes, file);
            inputs.Add(input.ElementType == DataType.Float && dims.Length == 4 && dims[1] is 1 or 3
                ? TensorData.FromFloats(input.Name, dims, Pages(dims, random))
                : SyntheticInputs.Create(input.Name, input.ElementType, dims, random, file));
        }
        return inputs;
    }

    /// <summary>N pages of C×H×W, normalized.</summary>
    public static float[] Pages(long[] dims, Random random)
    {
        int n = (int)dims[0], c = (int)dims[1], h = (int)dims[2], w = (int)dims[3];
        var result = new float[(long)n * c * h * w];
        var rgb = new float[3][];
        for (int k = 0; k < 3; k++) rgb[k] = new float[h * w];
        for (int i = 0; i < n; i++)
        {
            Draw(rgb, h, w, random);
            for (int ch = 0; ch < c; ch++)
            {
                var plane = c == 1 ? Grey(rgb) : rgb[ch];
                float mean = c == 1 ? 0.5f : Mean[ch], std = c == 1 ? 0.5f : Std[ch];
                var target = result.AsSpan((int)(((long)i * c + ch) * h * w), h * w);
                for (int p = 0; p < plane.Length; p++) target[p] = (plane[p] / 255f - mean) / std;
            }
        }
        return result;
    }

    private static float[] Grey(float[][] rgb) => rgb[0].Select((r, p) => 0.299f * r + 0.587f * rgb[1][p] + 0.114f * rgb[2][p]).ToArray();

    private static void Draw(float[][] rgb, int h, int w, Random random)
    {
        // Background: paper colour with a linear shading across the page.
        var paper = Colour(random, 190, 255);
        float gx = (random.NextSingle() - 0.5f) * 40 / w, gy = (random.NextSingle() - 0.5f) * 40 / h;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < 3; k++)
                    rgb[k][y * w + x] = Math.Clamp(paper[k] + gx * x + gy * y, 0, 255);

        // A few flat boxes (pictures, table cells, stamps) so not every edge is text.
        for (int b = random.Next(1, 4); b > 0; b--)
        {
            int bw = random.Next(w / 8, w / 3), bh = random.Next(h / 8, h / 3);
            Fill(rgb, h, w, random.Next(0, h - bh), random.Next(0, w - bw), bh, bw, Colour(random, 90, 200));
        }

        // Lines of words: each character a few bars (vertical, horizontal, one slanted by steps) in its cell.
        int y0 = random.Next(2, Math.Max(3, h / 10));
        while (true)
        {
            int size = random.Next(Math.Max(6, h / 40), Math.Max(8, h / 12));
            if (y0 + size >= h - 2) break;
            var ink = Colour(random, 0, 90);
            int x0 = random.Next(2, Math.Max(3, w / 6)), end = random.Next(w / 2, w - 2);
            while (x0 + size < end)
            {
                int letters = random.Next(2, 9);
                for (int l = 0; l < letters && x0 + size < end; l++, x0 += size * 3 / 4 + 1)
                    Character(rgb, h, w, y0, x0, size, ink, random);
                x0 += size / 2 + 1;
            }
            y0 += size + random.Next(size / 2, size * 2);
        }
    }

    private static void Character(float[][] rgb, int h, int w, int top, int left, int size, float[] ink, Random random)
    {
        int stroke = Math.Max(1, size / 8), cell = size * 2 / 3;
        for (int s = random.Next(2, 5); s > 0; s--)
        {
            switch (random.Next(3))
            {
                case 0:
                    Fill(rgb, h, w, top + random.Next(size / 4), left + random.Next(cell - stroke + 1), size - random.Next(size / 3), stroke, ink);
                    break;
                case 1:
                    Fill(rgb, h, w, top + random.Next(size - stroke + 1), left, stroke, cell, ink);
                    break;
                default:
                    int x = left + random.Next(cell), dir = random.Next(2) * 2 - 1;
                    for (int y = 0; y < size; y += stroke) Fill(rgb, h, w, top + y, x + dir * y / 2, stroke, stroke, ink);
                    break;
            }
        }
    }

    private static void Fill(float[][] rgb, int h, int w, int top, int left, int height, int width, float[] colour)
    {
        for (int y = Math.Max(0, top); y < Math.Min(h, top + height); y++)
            for (int x = Math.Max(0, left); x < Math.Min(w, left + width); x++)
                for (int k = 0; k < 3; k++) rgb[k][y * w + x] = colour[k];
    }

    private static float[] Colour(Random random, int lo, int hi)
    {
        float grey = random.Next(lo, hi + 1);
        return [.. Enumerable.Range(0, 3).Select(_ => Math.Clamp(grey + random.Next(-15, 16), 0, 255))];
    }
}
