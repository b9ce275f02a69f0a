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

    private static func url(_ name: String) -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: "csv") else {
            misuseFailure("BundledData: the resource \(name).csv is missing from the bundle")
        }
        return url
    }
}
