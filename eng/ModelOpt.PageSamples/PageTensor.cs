namespace ModelOpt.PageSamples;

/// <summary>How a page crop becomes a model input: size, per-channel mean/std on [0, 1] values, channel order.</summary>
internal sealed record TensorLayout(int Width, int Height, float[] Mean, float[] Std, bool Bgr);

/// <summary>Cuts a fixed-size window out of a page and normalizes it into a C×H×W float tensor.</summary>
internal static class PageTensor
{
    /// <summary>
    /// The centred window of the page, padded with white where the page is smaller. The centre
    /// rather than the top: page tops are mostly margin and running heads, the body text is what
    /// a detector is deployed on.
    /// </summary>
    public static RgbImage Crop(RgbImage page, int width, int height)
    {
        var rgb = new byte[width * height * 3];
        Array.Fill(rgb, (byte)255);
        int x0 = (page.Width - width) / 2, y0 = (page.Height - height) / 2;
        for (int y = 0; y < height; y++)
        {
            int sy = y + y0;
            if (sy < 0 || sy >= page.Height) continue;
            for (int x = 0; x < width; x++)
            {
                int sx = x + x0;
                if (sx < 0 || sx >= page.Width) continue;
                Array.Copy(page.Rgb, (sy * page.Width + sx) * 3, rgb, (y * width + x) * 3, 3);
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /// <summary>Share of pixels darker than mid-grey: near zero for blank pages and pure margins.</summary>
    public static double InkFraction(RgbImage image)
    {
        long dark = 0;
        for (int i = 0; i < image.Width * image.Height; i++)
            if (Math.Min(image.Rgb[i * 3], Math.Min(image.Rgb[i * 3 + 1], image.Rgb[i * 3 + 2])) < 128) dark++;
        return (double)dark / (image.Width * image.Height);
    }

    public static float[] Normalize(RgbImage image, TensorLayout layout)
    {
        int plane = image.Width * image.Height;
        var data = new float[3 * plane];
        for (int c = 0; c < 3; c++)
        {
            int source = layout.Bgr ? 2 - c : c;
            float mean = layout.Mean[c], std = layout.Std[c];
            for (int i = 0; i < plane; i++)
                data[c * plane + i] = (image.Rgb[i * 3 + source] / 255f - mean) / std;
        }
        return data;
    }
}
