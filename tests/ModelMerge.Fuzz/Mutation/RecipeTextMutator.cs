namespace ModelMerge.Fuzz.Mutation;

/// <summary>
/// Line and character edits of recipe text, as a careless hand edit makes them: characters and
/// lines deleted, duplicated or swapped, YAML punctuation inserted or substituted. The unit
/// test of damaged recipes and the recipe fuzz target share it.
/// </summary>
public static class RecipeTextMutator
{
    public const string Punctuation = ":-[]{},&*!|>'\"#%@`?\t\n ~.0123456789+";

    public static string Mutate(string text, Random random)
    {
        if (text.Length == 0) return Punctuation[random.Next(Punctuation.Length)].ToString();
        int at = random.Next(text.Length);
        var lines = text.Split('\n');
        int line = random.Next(lines.Length), other = random.Next(lines.Length);
        switch (random.Next(8))
        {
            case 0: return text.Remove(at, 1);
            case 1: return text.Insert(at, text[at].ToString());
            case 2:
                if (at + 1 >= text.Length) return text;
                var chars = text.ToCharArray();
                (chars[at], chars[at + 1]) = (chars[at + 1], chars[at]);
                return new string(chars);
            case 3: return text.Insert(at, Punctuation[random.Next(Punctuation.Length)].ToString());
            case 4: return text.Remove(at, 1).Insert(at, Punctuation[random.Next(Punctuation.Length)].ToString());
            case 5: return string.Join('\n', lines.Where((_, i) => i != line));
            case 6: return string.Join('\n', lines.Take(line + 1).Append(lines[line]).Concat(lines.Skip(line + 1)));
            default:
                (lines[line], lines[other]) = (lines[other], lines[line]);
                return string.Join('\n', lines);
        }
    }
}
