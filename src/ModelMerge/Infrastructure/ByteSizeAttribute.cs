using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace ModelMerge.Commands.Infrastructure;

/// <summary>
/// Accepts a byte count as a number or as text with a unit: "5GB" (10^9, as Hugging Face
/// means it), "2GiB" (2^30), "500MB", "1.5TB". PowerShell's own 5GB literal arrives as a number
/// (5·2^30) and is taken as is.
/// </summary>
public sealed partial class ByteSizeAttribute : ArgumentTransformationAttribute
{
    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex SizePattern();

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object value = inputData is PSObject ps ? ps.BaseObject : inputData;
        switch (value)
        {
            case long or int or short or byte or ulong or uint or ushort:
                return Convert.ToInt64(value, CultureInfo.InvariantCulture);
            case double d when d == Math.Floor(d) && d > 0:
                return (long)d;
            case string text:
                var match = SizePattern().Match(text);
                if (!match.Success) break;
                double number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                string unit = match.Groups[2].Success ? match.Groups[2].Value.ToUpperInvariant() : "B";
                double scale = unit switch
                {
                    "B" => 1, "KB" => 1e3, "MB" => 1e6, "GB" => 1e9, "TB" => 1e12,
                    "KIB" => 1L << 10, "MIB" => 1L << 20, "GIB" => 1L << 30, "TIB" => 1L << 40,
                    _ => 0,
                };
                return (long)Math.Round(number * scale);
        }
        throw new ArgumentTransformationMetadataException(
            $"'{inputData}' is not a size; give bytes (5000000000) or a size with a unit such as 5GB, 500MB or 2GiB.");
    }
}
