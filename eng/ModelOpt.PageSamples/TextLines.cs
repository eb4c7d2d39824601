namespace ModelOpt.PageSamples;

/// <summary>A text segment on a page: a box around a run of words on one line.</summary>
internal readonly record struct TextBox(int X, int Y, int Width, int Height);

/// <summary>
/// Cuts a rendered page into text-line segments the way a recognizer is fed after detection: rows
/// with ink form a line band, and a band is split at word gaps into pieces no wider than the
/// recognizer's input takes without squashing (PP-OCR rec: 48×320, so at most ~6.5 heights wide).
/// Projection profiles are the classic segmentation for clean printed pages, which is what the
/// manuals are; figures and formulas give bands of odd height, which are left out.
/// </summary>
internal static class TextLines
{
    private const int Dark = 160;

    public static IEnumerable<TextBox> Find(RgbImage page, double maxAspect)
    {
        var ink = new bool[page.Width * page.Height];
        for (int i = 0; i < ink.Length; i++)
            ink[i] = Math.Min(page.Rgb[i * 3], Math.Min(page.Rgb[i * 3 + 1], page.Rgb[i * 3 + 2])) < Dark;
        foreach (var (top, bottom) in Runs(Enumerable.Range(0, page.Height).Select(y => RowInk(ink, page.Width, y) > 0).ToArray(), gap: 1))
        {
            int height = bottom - top;
            // Body text at 150 dpi is 15–40 px tall; taller bands are figures or merged lines, shorter ones rules and dots.
            if (height < 12 || height > 48) continue;
            var columns = new bool[page.Width];
            for (int x = 0; x < page.Width; x++)
                for (int y = top; y < bottom && !columns[x]; y++) columns[x] |= ink[y * page.Width + x];
            // A gap wider than a third of the line height separates words; wider than two heights, columns or cells.
            var words = Runs(columns, gap: Math.Max(2, height / 3)).ToList();
            int start = 0;
            while (start < words.Count)
            {
                int end = start;
                while (end + 1 < words.Count && words[end + 1].End - words[start].Start <= maxAspect * height
                       && words[end + 1].Start - words[end].End <= 2 * height)
                    end++;
                int width = words[end].End - words[start].Start;
                // Single glyphs (bullets, page numbers) say little about reading text.
                if (width >= 2 * height && width <= maxAspect * height)
                    yield return new TextBox(words[start].Start, top, width, height);
                start = end + 1;
            }
        }
    }

    private static int RowInk(bool[] ink, int width, int y)
    {
        int n = 0;
        for (int x = 0; x < width; x++) if (ink[y * width + x]) n++;
        return n;
    }

    // Runs of true, bridging gaps of false shorter than `gap`.
    private static IEnumerable<(int Start, int End)> Runs(bool[] on, int gap)
    {
        int start = -1, lastOn = -1;
        for (int i = 0; i < on.Length; i++)
        {
            if (!on[i]) continue;
            if (start < 0) start = i;
            else if (i - lastOn > gap)
            {
                yield return (start, lastOn + 1);
                start = i;
            }
            lastOn = i;
        }
        if (start >= 0) yield return (start, lastOn + 1);
    }

    /// <summary>
    /// PP-OCR rec's input for one box: a margin of a quarter height around it, resized (bilinear)
    /// to the input height keeping the aspect, normalized to (x/255 − 0.5)/0.5 in BGR, and padded
    /// with zeros on the right, as PaddleOCR's resize_norm_img does.
    /// </summary>
    public static float[] RecInput(RgbImage page, TextBox box, int height, int width)
    {
        int margin = Math.Max(1, box.Height / 4);
        int x0 = Math.Max(0, box.X - margin), y0 = Math.Max(0, box.Y - margin);
        int x1 = Math.Min(page.Width, box.X + box.Width + margin), y1 = Math.Min(page.Height, box.Y + box.Height + margin);
        int w = x1 - x0, h = y1 - y0;
        int resized = Math.Min(width, (int)Math.Ceiling(height * (double)w / h));
        int plane = height * width;
        var data = new float[3 * plane];
        for (int y = 0; y < height; y++)
        {
            double sy = Math.Clamp((y + 0.5) * h / height - 0.5, 0, h - 1);
            int ya = (int)sy, yb = Math.Min(ya + 1, h - 1);
            double fy = sy - ya;
            for (int x = 0; x < resized; x++)
            {
                double sx = Math.Clamp((x + 0.5) * w / resized - 0.5, 0, w - 1);
                int xa = (int)sx, xb = Math.Min(xa + 1, w - 1);
                double fx = sx - xa;
                for (int c = 0; c < 3; c++)
                {
                    int source = 2 - c;   // BGR, as OpenCV reads images
                    double Pixel(int px, int py) => page.Rgb[((y0 + py) * page.Width + x0 + px) * 3 + source];
                    double v = (Pixel(xa, ya) * (1 - fx) + Pixel(xb, ya) * fx) * (1 - fy) + (Pixel(xa, yb) * (1 - fx) + Pixel(xb, yb) * fx) * fy;
                    data[c * plane + y * width + x] = (float)((v / 255 - 0.5) / 0.5);
                }
            }
        }
        return data;
    }
}
