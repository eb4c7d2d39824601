namespace ModelOpt.CorpusSamples;

/// <summary>An 8-bit image as rows of RGB bytes.</summary>
internal sealed record RgbImage(int Width, int Height, byte[] Rgb);

/// <summary>
/// Reads the binary PPM (P6) and PGM (P5) files netpbm writes at maxval 255: eng/fetch-corpus.sh
/// decodes, crops and scales every photograph with netpbm, so this only has to read its output.
/// </summary>
internal static class PnmImage
{
    public static RgbImage Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        int at = 0;
        string magic = Token(file, ref at, path);
        if (magic is not ("P6" or "P5")) throw new InvalidDataException($"{path}: not a binary PPM or PGM (magic '{magic}').");
        int width = int.Parse(Token(file, ref at, path), System.Globalization.CultureInfo.InvariantCulture);
        int height = int.Parse(Token(file, ref at, path), System.Globalization.CultureInfo.InvariantCulture);
        int maxval = int.Parse(Token(file, ref at, path), System.Globalization.CultureInfo.InvariantCulture);
        if (maxval != 255) throw new InvalidDataException($"{path}: maxval {maxval}, expected 255 (run it through pamdepth 255).");
        at++; // the single whitespace byte after the header
        int channels = magic == "P6" ? 3 : 1;
        long needed = (long)width * height * channels;
        if (file.Length - at < needed) throw new InvalidDataException($"{path}: {file.Length - at} pixel bytes, {needed} expected for {width}x{height}.");
        var rgb = new byte[width * height * 3];
        for (int p = 0; p < width * height; p++)
            for (int c = 0; c < 3; c++)
                rgb[p * 3 + c] = file[at + p * channels + (channels == 3 ? c : 0)];
        return new RgbImage(width, height, rgb);
    }

    private static string Token(byte[] file, ref int at, string path)
    {
        while (at < file.Length)
        {
            if (file[at] == '#') { while (at < file.Length && file[at] != '\n') at++; }
            else if (char.IsWhiteSpace((char)file[at])) at++;
            else break;
        }
        int start = at;
        while (at < file.Length && !char.IsWhiteSpace((char)file[at])) at++;
        if (at == start) throw new InvalidDataException($"{path}: truncated header.");
        return System.Text.Encoding.ASCII.GetString(file, start, at - start);
    }
}
