import Backprop
import Foundation

/// The data sets shipped inside the package as resources of BackpropNN.
///
/// ```swift
/// let iris = try Dataset(csv: BundledData.iris, label: .name("species"))
/// ```
public enum BundledData {
    /// Fisher's Iris data: 150 rows, 4 numeric features (cm), label column `species` with
    /// three classes of 50.
    public static var iris: URL { url("iris") }
    /// The 8×8 handwritten digits (UCI, as in scikit-learn): 1,797 rows, 64 pixel columns
    /// `p0…p63` with values 0–16, label column `label` (0–9).
    public static var digits: URL { url("digits") }
    /// Genesis and Exodus from the King James Version (public domain), plain UTF-8 English
    /// text of 367,305 bytes and 72 distinct characters; provenance and licence in
    /// `genesis-exodus.README.md` beside it.
    public static var genesisAndExodus: URL { url("genesis-exodus", extension: "txt") }

    private static func url(_ name: String, extension: String = "csv") -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: `extension`) else {
            misuseFailure("BundledData: the resource \(name).\(`extension`) is missing from the bundle")
        }
        return url
    }
}
