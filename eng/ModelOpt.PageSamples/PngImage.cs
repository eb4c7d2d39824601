using System.Buffers.Binary;
using System.IO.Compression;

namespace ModelOpt.PageSamples;

/// <summary>An 8-bit image as rows of RGB bytes.</summary>
internal sealed record RgbImage(int Width, int Height, byte[] Rgb)
{
    public byte R(int x, int y) => Rgb[(y * Width + x) * 3];
    public byte G(int x, int y) => Rgb[(y * Width + x) * 3 + 1];
    public byte B(int x, int y) => Rgb[(y * Width + x) * 3 + 2];
}

/// <summary>
/// Reads the PNG files pdftoppm writes: 8-bit grey, grey+alpha, RGB or RGBA, not interlaced. That
/// is all this needs, and the base library's zlib does the heavy part, so no image package is
/// pulled in for it; anything else is refused by name rather than decoded wrongly.
/// </summary>
internal static class PngImage
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    public static RgbImage Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(Signature))
            throw new InvalidDataException($"{path}: not a PNG file.");
        int width = 0, height = 0, colorType = -1, channels = 0;
        using var idat = new MemoryStream();
        for (int at = 8; at + 8 <= file.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            var data = file.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                int depth = data[8];
                colorType = data[9];
                int interlace = data[12];
                channels = colorType switch { 0 => 1, 4 => 2, 2 => 3, 6 => 4, _ => 0 };
                if (depth != 8 || channels == 0 || interlace != 0)
                    throw new InvalidDataException($"{path}: only 8-bit, non-interlaced grey/RGB(A) PNGs are read (bit depth {depth}, colour type {colorType}, interlace {interlace}).");
            }
            else if (type == "IDAT") idat.Write(data);
            else if (type == "IEND") break;
            at += 12 + length;
        }
        if (channels == 0) throw new InvalidDataException($"{path}: no IHDR chunk.");

        int stride = width * channels;
        var raw = new byte[(stride + 1) * height];
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
            z.ReadExactly(raw);

        var pixels = new byte[stride * height];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            var line = raw.AsSpan(y * (stride + 1) + 1, stride);
            var current = pixels.AsSpan(y * stride, stride);
            var previous = y > 0 ? pixels.AsSpan((y - 1) * stride, stride) : Span<byte>.Empty;
            Unfilter(filter, line, current, previous, channels, path);
        }

        var rgb = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++)
        {
            if (channels <= 2)
            {
                byte v = pixels[i * channels];
                rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = v;
            }
            else
            {
                rgb[i * 3] = pixels[i * channels];
                rgb[i * 3 + 1] = pixels[i * channels + 1];
                rgb[i * 3 + 2] = pixels[i * channels + 2];
            }
        }
        return new RgbImage(width, height, rgb);
    }

    private static void Unfilter(byte filter, ReadOnlySpan<byte> line, Span<byte> current, ReadOnlySpan<byte> previous, int bpp, string path)
    {
        for (int i = 0; i < line.Length; i++)
        {
            int left = i >= bpp ? current[i - bpp] : 0;
            int up = previous.IsEmpty ? 0 : previous[i];
            int upLeft = i >= bpp && !previous.IsEmpty ? previous[i - bpp] : 0;
            int predictor = filter switch
            {
                0 => 0,
                1 => left,
                2 => up,
                3 => (left + up) / 2,
                4 => Paeth(left, up, upLeft),
                _ => throw new InvalidDataException($"{path}: unknown PNG filter {filter}."),
            };
            current[i] = (byte)(line[i] + predictor);
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
