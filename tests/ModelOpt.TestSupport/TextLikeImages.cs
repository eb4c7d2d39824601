namespace ModelOpt.TestSupport;

/// <summary>
/// Inputs for the PP-OCR models that look like what they were trained on: a light page with dark,
/// broken strokes in lines, already normalized (≈ +2 background, ≈ −1.8 ink). Uniform noise is a
/// poor probe for them: the detector maps it to an all-zero map, where a cosine says nothing.
/// </summary>
public static class TextLikeImages
{
    /// <summary>An NCHW batch of <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/> pages, the pattern shifted per image.</summary>
    public static float[] Create(int batch, int channels, int height, int width)
    {
        var pixels = new float[(long)batch * channels * height * width];
        int lineHeight = Math.Max(8, Math.Min(32, height));
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < height; y++)
                    for (int x = 0; x < width; x++)
                    {
                        int row = y % lineHeight, col = (x + 7 * n) % 48;
                        bool ink = row >= lineHeight * 3 / 10 && row < lineHeight * 7 / 10 && col < 40 && ((x / 3 + y / 2 + n) % 4 != 0);
                        pixels[(((long)n * channels + c) * height + y) * width + x] = ink ? -1.8f : 2.0f;
                    }
        return pixels;
    }
}
