namespace ModelOpt.CorpusSamples;

/// <summary>
/// How a model reads an image: element layout, channel order, value = pixel × scale + offset
/// (pixel in 0…255), minus a per-pixel mean image where the publisher subtracts one, and an extra
/// constant channel where the model takes RGBA-like input (M-LSD's fourth channel of ones).
/// </summary>
internal sealed record ImageLayout(bool Nhwc, bool Bgr, float Scale, float Offset, float? ExtraChannel, float[]? MeanImage)
{
    public int Channels => ExtraChannel is null ? 3 : 4;

    /// <summary>The tensor of one image, batch of one: [1, C, H, W] or [1, H, W, C].</summary>
    public (long[] Shape, float[] Data) ToTensor(RgbImage image)
    {
        int w = image.Width, h = image.Height, c = Channels, plane = w * h;
        if (MeanImage is not null && MeanImage.Length != 3 * plane)
            throw new ArgumentException($"the mean image holds {MeanImage.Length} values, a {w}x{h} RGB image needs {3 * plane}.");
        var data = new float[c * plane];
        for (int p = 0; p < plane; p++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                float value;
                if (ch == 3) value = ExtraChannel!.Value;
                else
                {
                    int source = Bgr ? 2 - ch : ch;
                    value = image.Rgb[p * 3 + source] * Scale + Offset;
                    // The mean image is laid out as the model reads it: channel-major, in the model's channel order.
                    if (MeanImage is not null) value -= MeanImage[ch * plane + p];
                }
                data[Nhwc ? p * c + ch : ch * plane + p] = value;
            }
        }
        long[] shape = Nhwc ? [1, h, w, c] : [1, c, h, w];
        return (shape, data);
    }
}
