import Backprop
import XCTest
